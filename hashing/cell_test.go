package hashing

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCellNeverPrintsItsValue(t *testing.T) {
	d := strings.Repeat("ab", 32)
	c, err := CellFromDigest(Email, strings.ToUpper(d))
	if err != nil {
		t.Fatalf("CellFromDigest: %v", err)
	}
	if c.Value() != d {
		t.Errorf("Value is not the lowercased digest")
	}
	for _, verb := range []string{"%v", "%s", "%q", "%+v", "%#v", "%x"} {
		if out := fmt.Sprintf(verb, c); strings.Contains(strings.ToLower(out), "abab") {
			t.Errorf("%s printed the digest", verb)
		}
	}
}

func TestCellFromDigestRejects(t *testing.T) {
	for _, tc := range []struct {
		k      Key
		in     string
		reason Reason
	}{
		{Email, "abc", ReasonBadDigest},
		{Email, strings.Repeat("g", 64), ReasonBadDigest},
		{MobileAdID, strings.Repeat("a", 64), ReasonNotHashedKey},
		{Key("NOPE"), strings.Repeat("a", 64), ReasonNotHashedKey},
	} {
		_, err := CellFromDigest(tc.k, tc.in)
		var he *Error
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &he) || he.Reason != tc.reason {
			t.Errorf("CellFromDigest(%s): err = %v, want reason %s", tc.k, err, tc.reason)
		}
		if err != nil && strings.Contains(err.Error(), tc.in) {
			t.Errorf("error message contains the input")
		}
	}
	if c, err := CellFromDigest(Phone, ""); err != nil || !c.IsMissing() {
		t.Errorf("empty digest should give the missing cell, got %v, %v", c, err)
	}
}

func TestKeys(t *testing.T) {
	for _, k := range Keys() {
		if p, ok := ParseKey(" " + strings.ToLower(string(k)) + " "); !ok || p != k {
			t.Errorf("ParseKey(%s) = %s, %v", k, p, ok)
		}
	}
	if _, ok := ParseKey("SSN"); ok {
		t.Error("ParseKey accepted an unknown key")
	}
	if MobileAdID.Hashed() || ExternID.Hashed() || LookalikeValue.Hashed() || !Email.Hashed() || Key("X").Hashed() {
		t.Error("Hashed is wrong")
	}
}

func TestKeyedCells(t *testing.T) {
	ctx := t.Context()
	hm, err := New(WithHMAC([]byte("k")))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var rec Record
	rec.Set(Email, "a@example.com")
	rec.Set(ExternID, "id-1")
	schema := []Key{Email, ExternID}
	for _, tc := range []struct {
		name  string
		h     *Hasher
		keyed bool
	}{{"hmac", hm, true}, {"meta", plain, false}} {
		c, err := tc.h.Cell(Email, "a@example.com")
		if err != nil || c.Keyed() != tc.keyed {
			t.Errorf("%s: Cell keyed = %v, err %v; want %v", tc.name, c.Keyed(), err, tc.keyed)
		}
		cells, _ := tc.h.HashRow(nil, schema, &rec)
		if cells[0].Keyed() != tc.keyed || cells[1].Keyed() {
			t.Errorf("%s: HashRow keyed = %v/%v; want %v/false (EXTERN_ID is never a digest)", tc.name, cells[0].Keyed(), cells[1].Keyed(), tc.keyed)
		}
		batch, _, err := tc.h.HashBatch(ctx, schema, []Record{rec})
		if err != nil || batch[0].Keyed() != tc.keyed || batch[1].Keyed() {
			t.Errorf("%s: HashBatch keyed = %v/%v, err %v", tc.name, batch[0].Keyed(), batch[1].Keyed(), err)
		}
		col, _, err := tc.h.HashColumn(ctx, Email, []string{"a@example.com"}, nil)
		if err != nil || col[0].Keyed() != tc.keyed {
			t.Errorf("%s: HashColumn keyed = %v, err %v", tc.name, col[0].Keyed(), err)
		}
	}
	if c, _ := CellFromDigest(Email, strings.Repeat("a", 64)); c.Keyed() {
		t.Error("CellFromDigest made a keyed cell")
	}
	// A missing cell holds no digest, keyed or not.
	if c, _ := hm.Cell(Email, " "); !c.IsMissing() || c.Keyed() {
		t.Error("hmac: missing Cell reports a keyed digest")
	}
	if c, _ := hm.Cell(Email, "not-an-email"); !c.IsMissing() || c.Keyed() {
		t.Error("hmac: rejected Cell reports a keyed digest")
	}
	var empty Record
	cells, _ := hm.HashRow(nil, schema, &empty)
	batch, _, err := hm.HashBatch(ctx, schema, []Record{empty})
	col, _, err2 := hm.HashColumn(ctx, Email, []string{""}, nil)
	if err != nil || err2 != nil || cells[0].Keyed() || batch[0].Keyed() || col[0].Keyed() {
		t.Error("hmac: missing row, batch or column cell reports a keyed digest")
	}
}
