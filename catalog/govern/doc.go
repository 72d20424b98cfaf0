// Package govern shares data products through AWS Lake Formation: LF-tags,
// tag-based and named grants, data cells filters (column and row filters),
// registered S3 locations and cross-account sharing, declared in a [Spec],
// planned, and applied idempotently; and it answers "who can read what"
// with [Governor.Effective].
//
// A spec describes one account's Data Catalog. A producer or central
// governance account lists its LF-tags, its data products (database,
// tables kept current by a catalog.Registrar, S3 location, LF-tags on
// database, tables and columns) and the grants to consumers: roles,
// accounts or organizations, on databases, tables, columns (or all but
// some columns), rows through data cells filters, or by LF-tag expression.
// A consumer account's spec accepts the producer's RAM invitations, creates
// resource links to the shared tables and grants its roles on them.
//
//	g := govern.New(lakeformation.NewFromConfig(cfg), glue.NewFromConfig(cfg))
//	plan, err := g.Plan(ctx, spec)  // reads only
//	fmt.Print(plan)                 // create / update / replace / delete / conflict, orphans
//	res, err := g.Apply(ctx, plan)  // res.Writes == 0 when nothing changed
//
// Plan lists every action with a reason, no-ops included: creating or
// extending LF-tags, registering locations, creating tables, assigning and
// removing tags, creating or updating filters, creating or replacing
// resource links (a link pointing elsewhere is replaced, never silently),
// granting and revoking. A grant the spec no longer names is revoked when
// the spec owns its resource: the products' databases, tables and filters,
// the resources its Grants and Links name, and tag expressions over the
// tag keys it defines. Grants of data lake administrators and of
// Options.IgnorePrincipals are never revoked: list there the role that runs
// the Governor when it is not a data lake administrator (the service lists
// its implicit permissions on what it created, and they cannot be
// revoked). Grants to IAM_ALLOWED_PRINCIPALS on product tables are revoked
// unless the spec names them; Settings.LakeFormationDefaults stops the
// service from adding them to new tables. A rerun of an unchanged spec
// plans only no-ops and Apply then makes no call that writes.
//
// The service's traps are handled:
//
//   - Batch calls answer HTTP 200 with a per-entry Failures list
//     (BatchGrantPermissions, BatchRevokePermissions, AddLFTagsToResource,
//     RemoveLFTagsFromResource): any failed entry is a [*BatchError]
//     naming it; the other entries were applied.
//   - "Already exists" is done, not an error: an LF-tag key (answered as
//     AlreadyExistsException or InvalidInputException "Tag key already
//     exists") is read and extended; a registered location is kept; a data
//     cells filter is read, compared and updated; an accepted invitation is
//     accepted; a revoke answered "No permissions revoked" is done.
//   - ConcurrentModificationException, "Invalid principal" (a role IAM has
//     not propagated yet), throttling and transient faults are retried with
//     Options.Backoff, for whole calls and for failed batch entries.
//   - Data Lake settings are read, changed and written back whole at apply
//     time, since PutDataLakeSettings replaces the structure: fields the spec
//     does not set, and administrators added meanwhile, are kept.
//   - Read-back is normalized before diffing: names and tags lower-cased,
//     column lists sorted, SELECT on all columns of a table read as SELECT
//     on the table, ALL absorbing the permissions it implies, permissions
//     listed over several entries merged. An applied grant is no diff.
//
// Cross-account sharing grants to the consumer's role, not only to its
// account: an account grant gives the account's roles nothing until its
// administrator grants again (the plan warns). Granting to a role of
// another account needs cross-account version 3 or more
// (Settings.CrossAccountVersion; Plan refuses otherwise). The consumer's
// spec lists AcceptSharesFrom (pending Lake Formation invitations are
// listed page by page and accepted; Options.RAM is needed), Links with the
// Readers that get DESCRIBE on them, and Grants passing shared resources on
// to its roles when the producer granted the account with the grant option.
//
// A table whose S3 location is registered with Lake Formation cannot be
// associated with AWS Clean Rooms: Plan warns when a product registers its
// Location and marks a table CleanRooms that is stored under it.
//
// # Reading LF-tag assignments
//
// Plan compares the LF-tags assigned to each product database, table and
// column with the spec. Databases are read with GetResourceLFTags
// (ShowAssignedLFTags), one call per product. Tables are read in bulk when
// that is cheaper: one SearchTablesByLFTags per tag key of the catalog
// (over all its values, 50 per expression; pages of 100 tables) finds
// every table carrying any tag, with the tags of its database, of the
// table and of each column; a table no search returns has none. A plan of
// 1,000 tables whose columns are tagged reads tags in 12 calls instead of
// 1,001, which matters on the service, whose LF API rate limits make a
// thousand calls take minutes and draw throttling.
//
// Search shows a table's and a column's tags as applied, inherited ones
// included, and cannot tell an inherited tag from a direct assignment of
// the same value (GetResourceLFTags with ShowAssignedLFTags can). So a
// key shown with another value than the parent's, or that the parent
// lacks, is read as assigned; a key not shown as not assigned; and a key
// shown with the parent's value (a tie) that could change the plan (a key
// the spec defines or wants there, or the level's only tags; any tie when
// listing orphans) is read with GetResourceLFTags for that table alone.
// Every table of a database that carries a key the spec defines ties on
// it, so such a database's tables are read one by one, as are tables when
// there are fewer of them than searches. The plan is the same either way.
//
// Search needs lakeformation:SearchTablesByLFTags and, like
// GetResourceLFTags, shows only the tag keys the caller may describe, on
// the tables it may describe. A principal that can read its products'
// tables and tags one by one sees them in search too; a search answered
// AccessDeniedException makes the plan read tables one by one.
//
// # Ownership, conflicts and pruning
//
// What a spec creates carries its mark: the Glue parameters
// cdpkit.govern.owner (Spec.Name, "default" when empty) and
// cdpkit.govern.product (the product's Name) on product databases and
// tables, the owner alone on resource links and on the databases created
// to hold them. Glue parameters rather than an LF-tag: they are written in
// the call that creates the resource and read back by the listings Plan
// makes anyway, cost no quota, and take no part in access control (a
// grant by tag expression could match an ownership LF-tag). Data cells
// filters, grants and tag assignments cannot be marked: they are the
// spec's when their database is.
//
// A product's database (or a listed table) that exists without the spec's
// mark, unmarked or marked by another spec, is not adopted silently: the
// plan lists a conflict and Apply refuses a plan with conflicts before any
// call. Product.Adopt marks it (the plan says "adopt" and whose it was);
// Link.Adopt lets a link of another owner that points elsewhere be
// replaced. Databases created by versions of this package that did not
// mark need Adopt once. Renaming a product re-marks its database and
// tables.
//
// Plan.Orphans lists what carries the spec's mark but the spec no longer
// lists: the database of a dropped product, a table dropped from a product,
// a dropped resource link; each with the removals pruning would make and
// what it keeps. By default nothing of a dropped product or link is
// removed and its grants keep working (a table dropped from a product that
// stays is in the product's database, whose grants and filters the spec
// manages: they are revoked and deleted as any the spec no longer names).
// With Options.Prune (for one call:
// g.Plan(ctx, spec, func(o *govern.Options) { o.Prune = true })) the plan
// deletes, with reasons, the grants on a dropped product's database,
// tables, columns and filters (those of administrators and
// IgnorePrincipals excepted), its data cells filters, its LF-tag
// assignments of keys the spec defines (on dropped tables too), and
// dropped links with their grants. Options.PruneData, a second and
// separate opt-in, also deletes the tables marked as the spec's, then the
// database when nothing unmarked is in it (the S3 data is never touched;
// registered locations, LF-tags and their values stay). Apply reads the
// mark again before deleting a table, link or database, and lists the
// database's tables before deleting it. A rerun after pruning writes
// nothing.
//
// # Errors
//
// Every failure is a [*Error] naming the step and the resource (a table, a
// tag key, a grant; never data values) and matching a shared cdpkit
// category with errors.Is: [ErrInvalid] (a [*SpecError] from
// [Spec.Validate], or InvalidInputException), [ErrNotFound],
// [ErrAlreadyExists], [ErrConflict] (Apply of a plan with conflicts;
// concurrent modification outlived the retries; a mark changed between
// plan and apply, so nothing was deleted or adopted), [ErrAccessDenied],
// [ErrThrottled], [ErrLimitExceeded], [ErrUnavailable], and
// [ErrPartialFailure] (also cdpkit.ErrFailed) with a [*BatchError]. The SDK
// error stays reachable with errors.As (*types.ConcurrentModificationException
// ...). Apply stops at the first error; planning again resumes from what was
// applied.
//
// # Concurrency
//
// A Governor is safe for concurrent use. Plan and Apply make their calls
// one after another on the caller's goroutine (grants and revocations in
// batches of 20) and start no goroutines. Backoff waits end when the
// context is done.
//
// # Testing
//
// Package catalogtest holds an in-memory Lake Formation with the RAM
// invitations of its cross-account grants (catalogtest.NewLakeFormation),
// several accounts in one world (AddAccount), LF-tag semantics, the
// partial-failure answers, and a Select method answering what a query
// engine would let a principal read; a wire server
// (catalogtest.NewLakeFormationServer) for real *lakeformation.Client and
// *ram.Client values; and a conformance suite (catalogtest.RunLakeFormation)
// that also runs against the real service with CDPKIT_LF_LIVE=1,
// CDPKIT_LF_ACCOUNT and CDPKIT_LF_PRINCIPAL. The fake answers
// SearchTablesByLFTags with inherited tags shown; this package's tests
// check that every plan read through search is the plan read table by
// table (search denied), and count the tag-reading calls.
package govern
