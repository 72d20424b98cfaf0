// Package metatest provides fakes of Meta's Custom Audience Graph API for
// tests, and the conformance suite for meta.AudienceAPI implementations.
//
// [Graph] (from [NewGraph]) is the in-memory fake, an in-process
// meta.AudienceAPI, and [GraphServer] (from [NewGraphServer]) serves a
// Graph on a loopback endpoint (httptest) for a real meta.Client, with
// URL, Token, Client and Close. Both run over one [Model], which enforces
// what Graph enforces: a known, unrestricted audience; a multi-key schema of
// Custom Audience keys with is_raw true; rows as wide as the schema; at most
// 10,000 rows per request; 64 lowercase hex digits in hashed columns
// (other rows are counted as invalid entries); session rules (replace
// needs batch_seq 1 first, nothing is accepted after last_batch_flag, a
// replace expires 90 minutes after its first batch, /users calls are refused
// while a replace runs); and replace semantics (the member list is swapped
// when the last batch arrives). Errors are Graph error envelopes.
//
// GraphServer parses request bodies in one pass and checks their structure, but
// is lenient about the syntax of individual numbers and literals; it is a
// test double, not a JSON validator.
//
// Faults ([FaultPlan], [Script], [Random]) make a fake fail the way Graph
// and networks do: 5xx envelopes, HTML bodies, connection resets before or
// after applying a request, 80003 throttling with usage headers, any Graph
// code, slow answers. Model.Batches reports how often each batch was
// applied and how many of those answers a fault dropped.
//
// # Errors
//
// The fakes return the error shapes meta.Client returns (*meta.Error
// wrapping *meta.APIError), and never put cell values in messages: invalid
// entry samples name rows, not values.
//
// # Concurrency
//
// Model, Graph and GraphServer are safe for concurrent use.
//
// # Testing
//
// [RunGraph] (subtests) and [TestGraph] (returns an error) run the
// conformance suite against any [Target]. (Server, NewServer, Recorder,
// NewRecorder, RunAudienceAPI and TestAudienceAPI are the former names,
// kept for existing callers.)
package metatest
