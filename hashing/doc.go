// Package hashing normalizes customer PII per field and hashes it with
// SHA-256, byte-compatible with Meta's Custom Audience rules (scheme
// "meta-sha256-v1"). The rules below are the package's contract: golden
// vectors in testdata/ pin every one.
//
// The one-off entry points are [Normalize], [Hash] and [HashCell]. For
// volume, build a [Hasher] once with [New] and use its methods: [Hasher.AppendHash]
// is the allocation-free hot path, [Hasher.HashRow] turns a [Record] into
// the cells of a multi-key row (the row's COUNTRY completes its PHONE, ST and
// ZIP; FI is derived from FN and DOBY/DOBM/DOBD from DOB when not given),
// [Hasher.HashBatch] does the same for many records on all cores,
// [Hasher.Rows] streams records through it in bounded batches
// (iter.Seq2), [RowsFrom] does it for a stream of parsed records such as
// zones/records' CSV and JSON Lines readers (each row with its source
// record), and [Hasher.HashColumn] hashes one key's column of values.
//
// # Rules
//
// For every key: input must be UTF-8 (invalid UTF-8 is rejected, never
// mangled); leading and trailing Unicode white space, U+FEFF, U+200B and
// U+00A0 are trimmed; the value is put in NFC and lowercased with full,
// language-neutral Unicode rules (so "İ" becomes "i̇" and a final "Σ"
// becomes "ς"); the digest is SHA-256 of the normalized value's UTF-8
// bytes, as 64 lowercase hex digits. A value that is empty afterwards is
// missing and sent as "", never as sha256(""). For hashed keys, 64 hex
// digits are taken as already hashed and passed through lowercased (switch
// this off with [WithRejectPreHashed]); 32 hex digits are not. A value that
// cannot be normalized is rejected: its cell is missing and the caller gets
// a [Reason], never the value.
//
// Per key:
//   - EMAIL (hashed): local@domain with exactly one '@', a local part of
//     1-64 characters, a domain with at least one dot, labels of 1-63
//     letters (any script), digits and '-', and a TLD of at least two
//     letters or punycode ("xn--…"); no white space. No Gmail dot or +tag
//     rewriting.
//   - PHONE (hashed): input starting with '+' or "00" is international and
//     keeps its digits (see decision 1 for a trunk prefix written after the
//     country code); other input is national and is parsed with the row's
//     COUNTRY, or the default region, into E.164 (GB "020 7946 0958" →
//     "442079460958"); with no country known the digits are kept without
//     leading zeros and [ReasonPhoneNoCountry] is reported as a warning.
//     The result has no '+' and 8-15 digits; extensions are dropped.
//   - FN, LN (hashed): letters of any script and their combining marks are
//     kept; white space, punctuation, digits and symbols are dropped
//     ("Mary-Jane O'Neil" → "maryjane", "oneil"; "Valéry" → "valéry").
//   - FI (hashed): the first letter of the normalized FN, or of the value.
//   - CT (hashed): Latin letters folded to ASCII ("München" → "munchen"),
//     then letters of any script only ("New York" → "newyork").
//   - ST (hashed): in the US (COUNTRY "us", or unknown and the value a US
//     state name or code) the two-letter USPS code ("California" → "ca");
//     a US value that is neither is rejected. Elsewhere the CT rule. ISO
//     3166-2 input is decision 4.
//   - ZIP (hashed): in the US (COUNTRY "us", or unknown and the value looks
//     like a US ZIP) the first five digits, with leading zeros restored when
//     COUNTRY is "us" and 3-4 digits were given; elsewhere lowercase without
//     white space and '-' ("SW1A 1AA" → "sw1a1aa").
//   - COUNTRY (hashed): ISO 3166-1 alpha-2, lowercase, from alpha-2,
//     alpha-3 or English names, plus "UK" → "gb"; anything else is rejected.
//   - DOBY, DOBM, DOBD (hashed): from a date (YYYY-MM-DD, YYYYMMDD, or
//     MM/DD/YYYY, DD/MM/YYYY with [WithDateOrder]) or from the parts; a year
//     in 1900…this year, a month 01-12, a day 01-31, and a full date must
//     exist (no Feb 30). DOB (YYYYMMDD) is derived for the Conversions API.
//   - GEN (hashed): m or male → "m", f or female → "f"; anything else is
//     rejected.
//   - MADID (not hashed): a UUID 8-4-4-4-12, lowercase, hyphens kept.
//   - EXTERN_ID (not hashed): trimmed only.
//   - LOOKALIKE_VALUE (not hashed): a finite number ≥ 0, written as
//     canonical decimal text (decision 3).
//
// Meta's worked examples hold: "(650)555-1212" with country US gives
// "16505551212", "mary@example.com" hashes to
// f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79.
//
// Where the rules leave a choice this package decides, and golden vectors
// pin each decision:
//   - NFC is applied again after lowercasing and after characters are
//     removed, so that normalizing a normalized value changes nothing.
//   - EMAIL lengths count characters (runes); domain labels may hold letters
//     and combining marks of any script, digits and '-'; the TLD needs at
//     least two letters (marks do not count). Control and zero-width
//     characters inside count as white space.
//   - FN, LN: a combining mark belongs to the character before it, so it is
//     kept with a kept letter and dropped with a dropped one ("a ́b" gives
//     "ab"; a mark never moves onto another letter). A name, and so FI,
//     therefore always starts with a letter.
//   - PHONE: an extension starts at the first 'x' (so also "ext",
//     "extension"), '#' or ';'. Decimal digits of any script count as their
//     ASCII value (as libphonenumber reads them) and a fullwidth plus as '+',
//     so no digit is silently dropped. International input keeps its digits
//     without leading zeros (no country code starts with 0: "+0044" is
//     "+44") and without a "(0)" trunk marker. National input is parsed
//     with github.com/nyaruka/phonenumbers and must be a possible number of
//     the country (a local number without its area code is rejected),
//     except a US number of ten digits (or "1" and ten) with the usual
//     separators, which takes a fast path that a test checks against
//     phonenumbers. The normalized value is E.164 without the '+': it
//     normalizes to itself when given back with the '+' (or with no
//     country). Given back bare with a country it is national input again,
//     which libphonenumber usually recognises ("442079460958" in GB) but not
//     where the digits also make a valid national number (German mobiles:
//     "4915123456789" in DE gains a second 49).
//   - CT (and ST outside the US) fold Latin letters to ASCII, including
//     letters without a decomposition (ß→ss, ø→o, ł→l, æ→ae, …); letters of
//     other scripts keep their combining marks (vowel signs are part of the
//     letter in Devanagari or Arabic).
//   - ZIP with no country: a value that is 5 or 9 digits once white space
//     and '-' are removed is a US ZIP (so "94105 1234" → "94105").
//   - COUNTRY accepts alpha-2, alpha-3, CLDR English names and ISO short
//     names (also ISO's "Niger (the)" form), case, accents and punctuation
//     ignored, with an optional leading or trailing "the"; plus "UK".
//     Subdivisions (England) are not countries.
//   - Dates accept '-', '/' or '.' as separator, single-digit months and
//     days in separated forms, and "this year" from [Options.Now].
//   - LOOKALIKE_VALUE is written back as canonical decimal text (see the
//     decisions below).
//   - Non-empty input that loses every letter (FN "123") is rejected with
//     [ReasonNoLetters] rather than silently missing.
//
// # Decisions of 2026-12-07
//
// These settle what the rules left open; golden vectors named
// "decision N" pin each one.
//
//  1. PHONE: a trunk prefix written after the country code ("+44 020 7946
//     0958", "+49 (0)30 123456") is dropped when libphonenumber reads the
//     rest as a valid number and the digits as written are not one
//     ("442079460958"); otherwise the digits are kept as written.
//  2. EMAIL: a punycode TLD ("xn--p1ai") is valid.
//  3. LOOKALIKE_VALUE: canonical decimal text computed from the input's
//     digits, never through float64: no exponent, no trailing zeros after the
//     point ("1e21" → "1000000000000000000000", "0.30000000000000004" kept);
//     text over 64 characters is rejected ([ReasonNumberRange]).
//  4. ST: an ISO 3166-2 code ("US-CA") is accepted when its country part is
//     the row's COUNTRY or there is none, and its subdivision part is used
//     under that country's rule ("ca"); another country gives
//     [ReasonStateCountry].
//  5. EMAIL: a local part or domain label that starts or ends with '.' or '-'
//     ([ReasonEmailEdge]), two dots in a row ([ReasonEmailDots]), a quoted
//     local part ([ReasonEmailQuoted]) and a URI scheme prefix such as
//     "mailto:" ([ReasonEmailScheme]) are rejected.
//  6. GEN: punctuation and white space are ignored first ("m.", "F-", "fe
//     male").
//  7. ZIP: five digits, a '-' and more digits, in any grouping, is a US ZIP
//     whose first five digits are kept ("94105-12" → "94105").
//  8. Unchanged on purpose: zeros after '+' or "00" are dropped; digits of
//     other scripts are accepted; a national number must be possible for
//     its region; implausible birth years are rejected; a whole date given
//     as a birth year yields its year.
//
// # Schemes
//
// [SchemeMeta] is the default. [SchemeSHA256] is the same digest under the
// clean-room name; [SchemeHMAC] ([WithHMAC]) keys the digest with a secret
// so that the column cannot be joined with public hashes. Under HMAC,
// pre-hashed input is rejected ([ReasonPreHashedKeyed]). Unhashed keys
// (MADID, EXTERN_ID, LOOKALIKE_VALUE) are sent normalized in every scheme.
// [Hasher.Scheme] names the scheme so datasets can record it.
//
// # Errors
//
// A rejected value returns an error matching [ErrInvalid]; a value kept
// with a warning (a national phone with no country: [ReasonPhoneNoCountry])
// returns the value and an error matching [ErrWarning]. errors.As to
// [*Error] gives the key, a [Reason] code and the position (row, and the
// column when the caller sets it). Errors never hold the value. Bad options
// give an error matching [ErrConfig]. ErrInvalid and ErrConfig also match
// cdpkit.ErrInvalid, the category every cdpkit package shares.
//
// # Concurrency
//
// All functions and [Hasher] methods are safe for concurrent use.
// [Hasher.HashBatch], [Hasher.Rows] and [Hasher.HashColumn] bound their
// goroutines by [Options.Workers] (GOMAXPROCS by default), join them before
// returning (Rows: before yielding each batch) and stop when their context
// is cancelled. Nothing else starts goroutines, and nothing logs.
//
// # Testing
//
// testdata/golden_*.json hold over 850 vectors whose expected values were
// written from the rules (testdata/golden.py computes their digests with
// Python's hashlib and checks Meta's published examples). The fuzz target
// FuzzNormalize checks that nothing panics, that normalizing is idempotent,
// that outputs stay within each key's characters and that digests are 64
// lowercase hex. Benchmarks compare AppendHash with a bare SHA-256.
package hashing
