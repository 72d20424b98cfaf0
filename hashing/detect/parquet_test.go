package detect

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

type parquetCustomer struct {
	ID      int64  `parquet:"customer_id"`
	Email   string `parquet:"email"`
	Phone   string `parquet:"telefono,optional"`
	Card    string `parquet:"pan"`
	OrderNo int64  `parquet:"order_no"`
	Gender  string `parquet:"sexe"`
}

func TestParquet(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(13, 13))}
	var b bytes.Buffer
	w := parquet.NewGenericWriter[parquetCustomer](&b, parquet.MaxRowsPerRowGroup(100))
	var rows []parquetCustomer
	for i := 0; i < 1000; i++ {
		rows = append(rows, parquetCustomer{ID: int64(500000 + i), Email: strings.TrimSpace(g.email()), Phone: g.phone("es"),
			Card: g.card(), OrderNo: int64(4155550000 + 3*i), Gender: g.pick([]string{"M", "F"})})
	}
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rep, err := Parquet(t.Context(), bytes.NewReader(b.Bytes()), int64(b.Len()), func(o *Options) { o.FirstRows, o.SampleRows = 50, 200 })
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Class{}
	for _, f := range rep.Findings {
		got[f.Column] = f.Class
	}
	want := map[string]Class{"customer_id": ExternalID, "email": Email, "telefono": Phone, "pan": PaymentCard, "order_no": NotPII, "sexe": Gender}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if rep.Rows != 1000 || rep.Findings[1].Counts.Sampled != 250 {
		t.Errorf("rows %d, sampled %d", rep.Rows, rep.Findings[1].Counts.Sampled)
	}
	if !errors.Is(rep.Check(), ErrForbidden) {
		t.Errorf("the card column did not stop the file")
	}
}

func FuzzParquet(f *testing.F) {
	var b bytes.Buffer
	w := parquet.NewGenericWriter[parquetCustomer](&b)
	w.Write([]parquetCustomer{{ID: 1, Email: "a@b.co"}})
	w.Close()
	f.Add(b.Bytes())
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := Parquet(t.Context(), bytes.NewReader(data), int64(len(data)), func(o *Options) { o.FirstRows, o.SampleRows = 2, 3 })
		if err != nil {
			if !errors.Is(err, ErrInput) {
				t.Fatalf("error outside ErrInput: %v", err)
			}
			return
		}
		if rep == nil {
			t.Fatal("nil report")
		}
	})
}
