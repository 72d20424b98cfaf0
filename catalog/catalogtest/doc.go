// Package catalogtest fakes the AWS Glue Data Catalog and AWS Lake
// Formation for tests of code that uses packages catalog and catalog/govern
// (or the APIs directly).
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
// Lake Formation:
//
//   - [LakeFormation] is an in-memory Lake Formation implementing
//     govern.LakeFormationAPI, with the RAM invitations its cross-account
//     grants send ([LakeFormation.RAM], implementing govern.RAMAPI).
//     Accounts added with [LakeFormation.AddAccount] share one world, each
//     with its own [Glue] catalog, so producer and consumer accounts,
//     invitations and resource links behave across them.
//     [LakeFormation.Select] computes what a query engine would let a
//     principal read (columns and row filters, through resource links), the
//     oracle for "can this role read that column".
//   - [NewLakeFormationServer] speaks Lake Formation's and RAM's REST-JSON
//     protocols over the same world; the SigV4 access key names the
//     account ([LakeFormationServer.ClientFor], [LakeFormationServer.RAMClient]).
//   - [RunLakeFormation] (and [TestLakeFormation]) is the conformance suite
//     of the behaviours govern relies on.
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
// Lake Formation modelled: LF-tags (keys and values lower-cased, 50 values
// per call, one value per key per resource, inheritance database > table >
// column), AddLFTagsToResource and RemoveLFTagsFromResource answering 200
// with Failures, CreateLFTag on an existing key answering
// InvalidInputException "Tag key already exists", grants on databases,
// tables, table wildcards, columns, data cells filters, locations and
// LF-tag policies; BatchGrant/BatchRevokePermissions (20 entries, per-entry
// Failures); revoking what is not held answering InvalidInputException "No
// permissions revoked"; SELECT on a table, and the implicit SELECT of ALL,
// listed as SELECT on all its columns; grants to other accounts' roles only
// from cross-account version 3, creating a RAM share with a PENDING
// invitation (organizations need none) that expires after InvitationTTL;
// roles reading only through grants to themselves, not to their account;
// re-grants of shared resources only with the grant option, to the
// recipient's own principals; data cells filters (AlreadyExists, VersionId
// checks); DataLakeSettings replaced whole by PutDataLakeSettings, with the
// default-permission and admin rules; registered locations
// (AlreadyExists); paging; cancellation.
//
// Lake Formation not modelled: ListPermissions with both Principal and
// Resource lists explicit grants (the service computes effective ones);
// IncludeRelated; named LF-tag expressions; DATABASE tag policies in
// Select; cross-account versions 1 and 2 (Glue resource policies, one share
// per grant); hybrid access mode; Identity Center principals; conditions;
// transactions and governed tables; the caller's own permissions (every
// caller acts as an administrator of its account) and the implicit
// permissions of a table's creator; the default permissions of new
// databases and tables (nothing is granted when Glue creates them);
// message wording.
//
// # Errors
//
// The fakes return what the SDK would: a *smithy.OperationError naming the
// service and operation, wrapping the modelled exception
// (*types.EntityNotFoundException, *types.InvalidInputException, RAM's
// *types.ResourceShareInvitationAlreadyAcceptedException ...), so
// errors.As and the error categories of catalog and catalog/govern work as
// against AWS. Partial failures are answers, not errors, as in the
// services: batch and tag calls return their Failures lists. Injected
// non-API failures wrap ErrInjected (the wire servers drop the connection
// instead); a canceled context gives a *smithy.CanceledError.
//
// # Concurrency
//
// Glue and LakeFormation (with its RAM) are safe for concurrent use. Each
// call runs the injectors outside the fake's lock, so an injector may block
// or call the fake itself. The wire servers serve requests concurrently
// and are stopped by Close.
//
// # Testing
//
// The fakes are checked by the same conformance suites (RunGlue,
// RunLakeFormation) as the clients on the wire servers and, behind the
// environment variables below, the real services; wire tests check that
// every served operation round-trips the SDK's own serialisation.
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
// GetDatabases, UpdateDatabase, DeleteDatabase, CreateTable, GetTable, GetTables,
// UpdateTable, DeleteTable, GetTableVersions, BatchDeleteTableVersion,
// BatchCreatePartition, BatchGetPartition, BatchUpdatePartition, BatchDeletePartition and
// GetPartitions.
//
// For Lake Formation, set CDPKIT_LF_LIVE=1, CDPKIT_LF_ACCOUNT (the account
// id), CDPKIT_LF_PRINCIPAL (a role of that account the suite grants to and
// revokes from) and credentials of a data lake administrator, then run
//
//	go test ./catalog/catalogtest -run TestLakeFormationConformanceLive -v
//
// It creates and deletes databases and LF-tags named
// <CDPKIT_LF_PREFIX, default cdpkit_conformance>_<behaviour>_<random>.
package catalogtest
