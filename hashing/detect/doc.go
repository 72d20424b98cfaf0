// Package detect finds the personal data in the columns of a raw file
// before anything is normalized or written on, in process: no value leaves
// the machine, and no value appears in what it returns.
//
// It classifies each column from a deterministic sample into one of the
// [Class] values (email, phone, names, initial, city, state, zip, country,
// birth date and its parts, gender, mobile advertiser id, external id, IP
// address, payment card, national id, free text with PII in it, already
// hashed, not PII), says how sure it is and why, and suggests the mapping of
// columns to [hashing] keys ([Mapping]) whose Schema and Columns feed
// [hashing.RowsFrom] (and whose Record fills a [hashing.Record] for
// [hashing.Hasher.HashRow]) directly.
//
//	rep, err := detect.CSV(ctx, file, size)          // samples by offset
//	if err := detect.Gate(ctx, store, "customers", rawKey, rep, detect.Quarantine); err != nil {
//		return err // a payment card, a national id or free text with PII: nothing goes on
//	}
//	rows := hashing.RowsFrom(ctx, h, rep.Mapping.Schema(), rep.Mapping.Columns(), recs, 0)
//	// or, row by row: rep.Mapping.Record(&rec, values); h.HashRow(nil, rep.Mapping.Schema(), &rec)
//
// Entry points: [CSV] for a CSV file read by offset (a 1 GiB file costs the
// first rows and a few hundred small reads), [Records] for any stream of
// zones/records records (CSV or JSON Lines through records.CSV and
// records.JSONLines, which quarantine malformed lines), [Parquet] for a
// Parquet file (row groups seeked to the sampled rows), [Scan] to read
// every row of a CSV (a uniform sample, plus every cell checked for card
// numbers, SSNs and PII inside free text), [Classify] for columns the
// caller sampled, and [Sampler] to build such a sample. Options ([Options]) set the sample sizes and seed, the default
// region for national phone numbers and "now" for birth-date ages.
//
// # How columns are decided
//
// Values come first. The share of sampled values that hashing's own
// normalizers accept is the evidence for its keys (hashing stays the single
// truth for what is valid); validators cover the rest: Luhn and network
// prefixes for cards, libphonenumber (github.com/nyaruka/phonenumbers) for
// phone numbers, the SSA rules for US SSNs, check digits for the UK
// National Insurance number, French NIR, Spanish DNI/NIE, Italian codice
// fiscale, Polish PESEL, Swedish personnummer and Belgian national number
// (and, with a header, the Dutch BSN), plausible ages for birth dates.
// Distribution checks keep decoys out: numbers ascending in file order or
// packed in a narrow range (order numbers that read as phone numbers,
// five-digit product codes) are identifiers, dates of the last few years
// are not birth dates, and a first-name column needs a fair share of known
// given names. A value shape of its own (an email, a card, an SSN, an IP
// address) wins whatever the header says; otherwise the header is a hint
// (English, German, French, Spanish, Italian, Portuguese, Dutch, Polish,
// Swedish and common Japanese, Chinese, Korean and Russian labels), taken
// only when the values are compatible with it.
//
// A Finding carries counts (sampled, empty, matched, distinct), a
// confidence between 0 and 1 and rule names as evidence, never a value.
// Forbidden classes ([Class.Forbidden]: payment cards, national ids and
// free text with PII) are left out of the mapping, and [Gate] stops the
// file ([Stop]) or records the refusal, with the class as reason, in the
// quarantine zone ([Quarantine]).
//
// Full names in one column are not a class: they are left to the header
// and dictionaries like other word columns and usually end as NotPII.
//
// # Errors
//
// Bad options give an error matching [ErrOptions] (and cdpkit.ErrInvalid)
// with an [*OptionError]; input that cannot be sampled (no header row, not
// Parquet) matches [ErrInput]; a file with a forbidden class gives, from
// [Report.Check] and [Gate], a [*ForbiddenError] matching [ErrForbidden].
// Read errors from the caller's reader are returned as they are. No error
// holds a value.
//
// # Concurrency
//
// Functions are safe for concurrent use; a [Sampler] is not. Nothing starts
// goroutines and nothing logs. Functions that read honour their context.
//
// # Testing
//
// testdata/corpus holds 32 generated CSV files (312 labelled columns:
// messy multilingual headers, unhelpful ones, mixed formats, empty cells,
// decoys); TestCorpusAccuracy logs precision and recall per class and
// requires 97% of the columns right, both streaming and sampling by offset.
// The generator is in corpus_gen_test.go (go test -run TestCorpusUpToDate
// -update rewrites the files). TestNoValueInOutput checks that no report or
// error holds a value; FuzzClassify, FuzzCSV, FuzzScan and FuzzParquet fuzz
// the classifier, the offset sampler, the full scan and the Parquet reader. BenchmarkCSVSample
// classifies a 1 GiB CSV written to a temporary directory by sampling;
// BenchmarkScan reads 1 GiB in full and reports MB per CPU second.
package detect
