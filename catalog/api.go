package catalog

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/glue"
)

// GlueAPI is the part of the AWS Glue API a Registrar calls. The signatures
// are the SDK's, so a *glue.Client satisfies it as is; catalogtest.Glue is an
// in-memory implementation for tests.
type GlueAPI interface {
	CreateDatabase(ctx context.Context, params *glue.CreateDatabaseInput, optFns ...func(*glue.Options)) (*glue.CreateDatabaseOutput, error)
	GetDatabase(ctx context.Context, params *glue.GetDatabaseInput, optFns ...func(*glue.Options)) (*glue.GetDatabaseOutput, error)
	GetDatabases(ctx context.Context, params *glue.GetDatabasesInput, optFns ...func(*glue.Options)) (*glue.GetDatabasesOutput, error)
	CreateTable(ctx context.Context, params *glue.CreateTableInput, optFns ...func(*glue.Options)) (*glue.CreateTableOutput, error)
	GetTable(ctx context.Context, params *glue.GetTableInput, optFns ...func(*glue.Options)) (*glue.GetTableOutput, error)
	GetTables(ctx context.Context, params *glue.GetTablesInput, optFns ...func(*glue.Options)) (*glue.GetTablesOutput, error)
	UpdateTable(ctx context.Context, params *glue.UpdateTableInput, optFns ...func(*glue.Options)) (*glue.UpdateTableOutput, error)
	GetTableVersions(ctx context.Context, params *glue.GetTableVersionsInput, optFns ...func(*glue.Options)) (*glue.GetTableVersionsOutput, error)
	BatchDeleteTableVersion(ctx context.Context, params *glue.BatchDeleteTableVersionInput, optFns ...func(*glue.Options)) (*glue.BatchDeleteTableVersionOutput, error)
	DeleteTable(ctx context.Context, params *glue.DeleteTableInput, optFns ...func(*glue.Options)) (*glue.DeleteTableOutput, error)
	BatchCreatePartition(ctx context.Context, params *glue.BatchCreatePartitionInput, optFns ...func(*glue.Options)) (*glue.BatchCreatePartitionOutput, error)
	BatchGetPartition(ctx context.Context, params *glue.BatchGetPartitionInput, optFns ...func(*glue.Options)) (*glue.BatchGetPartitionOutput, error)
	BatchUpdatePartition(ctx context.Context, params *glue.BatchUpdatePartitionInput, optFns ...func(*glue.Options)) (*glue.BatchUpdatePartitionOutput, error)
	BatchDeletePartition(ctx context.Context, params *glue.BatchDeletePartitionInput, optFns ...func(*glue.Options)) (*glue.BatchDeletePartitionOutput, error)
	GetPartitions(ctx context.Context, params *glue.GetPartitionsInput, optFns ...func(*glue.Options)) (*glue.GetPartitionsOutput, error)
}
