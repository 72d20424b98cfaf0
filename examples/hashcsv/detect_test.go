package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDetectMapsColumns: with -detect, headers the aliases do not know
// (German, French) are mapped by their values, the mapping is printed, and
// a decoy column whose header is an alias is dropped.
func TestDetectMapsColumns(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "kunden.csv")
	var b strings.Builder
	b.WriteString("Kundennummer,Courriel,Telefonnummer,Vorname,Geburtsdatum,phone\n")
	for i := 0; i < 60; i++ {
		b.WriteString("K" + itoa(1000+i) + ",person" + itoa(i) + "@example.com,+49 30 " + itoa(1000000+i*7919) +
			",Anna,1980-02-" + itoa(10+i%18) + "," + itoa(4155550000+i*3) + "\n")
	}
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runIn(t, "-detect", "-in", in, "-out", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if want := "mapping: -map EXTERN_ID=Kundennummer,EMAIL=Courriel,PHONE=Telefonnummer,FN=Vorname,DOB=Geburtsdatum\n"; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "phone" && f[1] != "not_pii" {
			t.Errorf("the order numbers under the header phone are %s", f[1])
		}
	}
	rows := readCSV(t, filepath.Join(dir, "meta.csv"))
	if got := strings.Join(rows[0], ","); !strings.Contains(got, "EMAIL,PHONE") || len(rows) != 61 {
		t.Errorf("meta.csv header %s, %d rows", got, len(rows))
	}
}

// TestDetectStopsForbidden: a card number column stops the file before
// anything is written.
func TestDetectStopsForbidden(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "orders.csv")
	var b strings.Builder
	b.WriteString("email,payment\n")
	cards := []string{"4111 1111 1111 1111", "5555 5555 5555 4444", "4012 8888 8888 1881", "3782 822463 10005"}
	for i := 0; i < 40; i++ {
		b.WriteString("p" + itoa(i) + "@example.com," + cards[i%len(cards)] + "\n")
	}
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runIn(t, "-detect", "-in", in, "-out", dir)
	if code != exitForbidden || !strings.Contains(errs, `column "payment" (payment_card)`) {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(errs, "4111") {
		t.Errorf("stderr holds a card number")
	}
	if _, err := os.Stat(filepath.Join(dir, "meta.csv")); !os.IsNotExist(err) {
		t.Errorf("meta.csv written: %v", err)
	}
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}
