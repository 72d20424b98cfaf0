// Package catalogtest fakes the AWS Glue Data Catalog for tests of code that
// uses package catalog (or the Glue API directly).
//
//   - [Glue] is an in-memory implementation of catalog.GlueAPI. Its errors
//     have the SDK's shape: a *smithy.OperationError wrapping the modelled
//     exception (*types.EntityNotFoundException, ...), so errors.As and
//     catalog's error categories work as against Glue.
//   - [NewGlueServer] starts an httptest server on loopback that speaks Glue's
//     awsJson1_1 protocol over the same model, so a real *glue.Client
//     ([GlueServer.Client]) runs unmodified: request signing, serialisation,
//     error decoding and paginators included.
//   - [RunGlue] (and [TestGlue], usable outside go test) is the conformance
//     suite: the behaviours catalog relies on, checked against the fake,
//     against the client on the server, and against real Glue.
//
// Inspection helpers ([Glue.Table], [Glue.Partitions], [Glue.TableVersions],
// [Glue.Calls], [Glue.Writes], [GlueServer.Requests]) return copies. Faults are
// injected with [Glue.Inject]: [FailTimes] fails calls with a Glue exception
// (or [ErrInjected]); [Before] runs code at an exact point, for example
// another writer's whole update between a read and a write; any
// [Injector] may block to interleave concurrent callers deterministically.
//
// # Fidelity
//
// Modelled: databases, tables and partitions with AlreadyExists and
// EntityNotFound; case-insensitive, lowercased names; UpdateTable replacing
// the definition, VersionId checks (ConcurrentModificationException), a
// VersionId that advances on every update, SkipArchive and table versions
// up to MaxTableVersions (ResourceNumberLimitExceededException); the batch
// limits (100 creates and updates, 25 deletes, 1000 gets) and per-item errors in
// Errors with HTTP 200; MaxResults limits and opaque NextToken paging that
// stays consistent across inserts and deletes; GetPartitions
// ExcludeColumnSchema, Segment and Expression (=, <>, !=, <, <=, >, >=,
// BETWEEN, IN, LIKE, AND, OR, NOT, parentheses; numeric comparison for
// integer keys; other than string, date, timestamp and integer keys are
// rejected as in Glue); context cancellation.
//
// Not modelled: GetTables Expression (rejected with InvalidInputException
// so tests notice), separate catalogs (CatalogId is recorded on what is
// created but every call sees the one catalog), transactions and TransactionId,
// Lake Formation permissions, resource links, federated or Iceberg tables,
// column statistics, partition indexes, quotas other than table versions,
// server-side throttling (inject it), and the exact wording of messages.
// VersionId values are decimal counters starting at "0"; callers must treat
// them as opaque. Listing order is by name (Glue's order is unspecified).
//
// # Live runs
//
// Set CDPKIT_GLUE_LIVE=1 plus the usual AWS credentials and region
// (AWS_PROFILE or AWS_ACCESS_KEY_ID..., AWS_REGION, or CDPKIT_GLUE_REGION)
// and optionally CDPKIT_GLUE_DB_PREFIX, then run
//
//	go test ./catalog/catalogtest -run TestConformanceLive -v
//
// It creates and deletes throwaway databases named
// <prefix>_<behaviour>_<random> and needs glue:CreateDatabase, GetDatabase,
// GetDatabases, DeleteDatabase, CreateTable, GetTable, GetTables,
// UpdateTable, DeleteTable, GetTableVersions, BatchDeleteTableVersion,
// BatchCreatePartition, BatchGetPartition, BatchUpdatePartition, BatchDeletePartition and
// GetPartitions.
package catalogtest
