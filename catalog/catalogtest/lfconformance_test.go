package catalogtest_test

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"

	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

const conformanceRole = "arn:aws:iam::123456789012:role/conformance"

func TestLakeFormationConformanceFake(t *testing.T) {
	catalogtest.RunLakeFormation(t, func(t *testing.T) catalogtest.LakeFormationEnv {
		f := catalogtest.NewLakeFormation()
		return catalogtest.LakeFormationEnv{LakeFormation: f, Glue: f.Glue(), Principal: conformanceRole}
	})
}

func TestLakeFormationConformanceServer(t *testing.T) {
	catalogtest.RunLakeFormation(t, func(t *testing.T) catalogtest.LakeFormationEnv {
		f := catalogtest.NewLakeFormation()
		srv := catalogtest.NewLakeFormationServer(f)
		t.Cleanup(srv.Close)
		return catalogtest.LakeFormationEnv{LakeFormation: srv.Client(), Glue: f.Glue(), Principal: conformanceRole, CatalogID: f.Account()}
	})
}

// TestLakeFormationConformanceLive runs the suite against real Lake
// Formation and Glue. It is skipped unless CDPKIT_LF_LIVE=1; it needs
// CDPKIT_LF_ACCOUNT (the account id), CDPKIT_LF_PRINCIPAL (a role of that
// account to grant to) and credentials of a data lake administrator from
// the usual SDK sources; CDPKIT_LF_PREFIX (default cdpkit_conformance)
// prefixes the throwaway databases and LF-tags.
func TestLakeFormationConformanceLive(t *testing.T) {
	if os.Getenv("CDPKIT_LF_LIVE") != "1" {
		t.Skip("set CDPKIT_LF_LIVE=1, CDPKIT_LF_ACCOUNT, CDPKIT_LF_PRINCIPAL and AWS credentials to run against real Lake Formation")
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	catalogtest.RunLakeFormation(t, func(t *testing.T) catalogtest.LakeFormationEnv {
		return catalogtest.LakeFormationEnv{
			LakeFormation: lakeformation.NewFromConfig(cfg), Glue: glue.NewFromConfig(cfg),
			CatalogID: os.Getenv("CDPKIT_LF_ACCOUNT"), Principal: os.Getenv("CDPKIT_LF_PRINCIPAL"), Prefix: os.Getenv("CDPKIT_LF_PREFIX"),
		}
	})
}

func TestTestLakeFormationReportsNothingOnTheFake(t *testing.T) {
	f := catalogtest.NewLakeFormation()
	if err := catalogtest.TestLakeFormation(t.Context(), catalogtest.LakeFormationEnv{LakeFormation: f, Glue: f.Glue(), Principal: conformanceRole}); err != nil {
		t.Fatal(err)
	}
}
