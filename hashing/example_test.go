package hashing_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/cdpkit/cdpkit/hashing"
)

func ExampleNormalize() {
	for _, in := range []struct {
		k hashing.Key
		v string
	}{
		{hashing.Email, "  John_Smith@Gmail.com "},
		{hashing.FirstName, "Mary-Jane"},
		{hashing.LastName, "O'Neil"},
		{hashing.City, "München"},
		{hashing.State, "California"},
		{hashing.Zip, "SW1A 1AA"},
		{hashing.Country, "United Kingdom"},
		{hashing.DOB, "2/16/1997"},
		{hashing.Gender, "Female"},
	} {
		n, _ := hashing.Normalize(in.k, in.v)
		fmt.Printf("%s %s\n", in.k, n)
	}
	// Output:
	// EMAIL john_smith@gmail.com
	// FN maryjane
	// LN oneil
	// CT munchen
	// ST ca
	// ZIP sw1a1aa
	// COUNTRY gb
	// DOB 19970216
	// GEN f
}

func ExampleHash() {
	digest, _ := hashing.Hash(hashing.Email, "mary@example.com")
	fmt.Println(digest)
	// A national phone number needs the row's country (or a default region).
	digest, _ = hashing.Hash(hashing.Phone, "(650)555-1212", hashing.WithCountry("US"))
	fmt.Println(digest)
	// A value that is missing after normalization is sent as "".
	digest, err := hashing.Hash(hashing.FirstName, "   ")
	fmt.Printf("%q %v\n", digest, err)
	// Output:
	// f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79
	// e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176
	// "" <nil>
}

func ExampleHash_rejected() {
	_, err := hashing.Hash(hashing.Email, "not an email")
	var he *hashing.Error
	if errors.Is(err, hashing.ErrInvalid) && errors.As(err, &he) {
		fmt.Println(he.Key, he.Reason)
	}
	fmt.Println(err)
	// Output:
	// EMAIL email_whitespace
	// hashing: "EMAIL": invalid: email_whitespace
}

func ExampleHasher_HashRow() {
	h, err := hashing.New(hashing.WithCountry("us"))
	if err != nil {
		fmt.Println(err)
		return
	}
	var rec hashing.Record
	rec.Row = 2
	rec.Set(hashing.Email, "Ann@Example.com")
	rec.Set(hashing.Phone, "020 7946 0958") // national: completed with the row's country
	rec.Set(hashing.FirstName, "Ann")       // FI is derived from it
	rec.Set(hashing.Country, "United Kingdom")
	rec.Set(hashing.Gender, "unknown")
	cells, errs := h.HashRow(nil, []hashing.Key{hashing.Email, hashing.Phone, hashing.FirstInitial, hashing.Gender, hashing.Country}, &rec)
	for _, c := range cells {
		fmt.Println(c) // cells never print their value
	}
	for _, e := range errs {
		fmt.Println(e)
	}
	// Output:
	// EMAIL:redacted
	// PHONE:redacted
	// FI:redacted
	// GEN:missing
	// COUNTRY:redacted
	// hashing: "GEN": invalid: gender_unknown (row 2)
}

func ExampleHasher_HashBatch() {
	h, err := hashing.New(hashing.WithCountry("gb"))
	if err != nil {
		fmt.Println(err)
		return
	}
	recs := make([]hashing.Record, 3)
	recs[0].Set(hashing.Email, "a@example.com")
	recs[1].Set(hashing.Email, "b@example")
	recs[2].Set(hashing.Phone, "07700 900123")
	schema := []hashing.Key{hashing.Email, hashing.Phone}
	cells, errs, err := h.HashBatch(context.Background(), schema, recs)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(cells), "cells;", h.Scheme())
	for _, e := range errs {
		fmt.Println(e.Row, e.Key, e.Reason)
	}
	// Output:
	// 6 cells; meta-sha256-v1
	// 2 EMAIL email_domain
}

func ExampleHasher_AppendHash() {
	h, _ := hashing.New()
	buf := make([]byte, 0, 128)
	for _, v := range []string{"MARY@EXAMPLE.COM", "mary@example.com"} {
		buf, _ = h.AppendHash(buf[:0], hashing.Email, v)
		fmt.Println(string(buf[:16]))
	}
	// Output:
	// f1904cf1a9d73a55
	// f1904cf1a9d73a55
}

func ExampleWithHMAC() {
	h, err := hashing.New(hashing.WithHMAC([]byte("collaboration-secret")))
	if err != nil {
		fmt.Println(err)
		return
	}
	d, _ := h.Hash(hashing.Email, "mary@example.com")
	fmt.Println(h.Scheme(), len(d))
	_, err = hashing.New(func(o *hashing.Options) { o.Scheme = hashing.SchemeHMAC })
	fmt.Println(errors.Is(err, hashing.ErrConfig))
	// Output:
	// hmac-sha256-v1 64
	// true
}
