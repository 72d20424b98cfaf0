package hashing

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewRejectsBadOptions(t *testing.T) {
	for name, opt := range map[string]func(*Options){
		"hmac without secret": func(o *Options) { o.Scheme = SchemeHMAC },
		"unknown scheme":      func(o *Options) { o.Scheme = "md5-v0" },
		"unknown country":     WithCountry("Atlantis"),
	} {
		if _, err := New(opt); !errors.Is(err, ErrConfig) || errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
		if _, err := Hash(Email, "a@example.com", opt); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: package-level Hash err = %v, want ErrConfig", name, err)
		}
	}
}

func TestSchemesAndSecret(t *testing.T) {
	for _, tc := range []struct {
		opts []func(*Options)
		want Scheme
	}{
		{nil, SchemeMeta},
		{[]func(*Options){func(o *Options) { o.Scheme = SchemeSHA256 }}, SchemeSHA256},
		{[]func(*Options){WithHMAC([]byte("s"))}, SchemeHMAC},
	} {
		h, err := New(tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if h.Scheme() != tc.want {
			t.Errorf("Scheme() = %s, want %s", h.Scheme(), tc.want)
		}
		if h.Options().Secret != nil {
			t.Error("Options() exposes the secret")
		}
	}
	// sha256-v1 is the same digest as meta-sha256-v1; HMAC differs per secret.
	meta, _ := Hash(Email, "mary@example.com")
	plain, _ := Hash(Email, "mary@example.com", func(o *Options) { o.Scheme = SchemeSHA256 })
	k1, _ := Hash(Email, "mary@example.com", WithHMAC([]byte("one")))
	k2, _ := Hash(Email, "mary@example.com", WithHMAC([]byte("two")))
	long, _ := Hash(Email, "mary@example.com", WithHMAC([]byte(strings.Repeat("k", 100))))
	if meta != plain || k1 == meta || k1 == k2 || len(k1) != 64 || len(long) != 64 {
		t.Error("scheme digests are not as documented")
	}
	// The secret is copied: changing the caller's slice later changes nothing.
	secret := []byte("mutable")
	h, _ := New(WithHMAC(secret))
	before, _ := h.Hash(Email, "mary@example.com")
	secret[0] = 'X'
	after, _ := h.Hash(Email, "mary@example.com")
	if before != after {
		t.Error("Hasher kept a reference to the caller's secret")
	}
}

func TestPreHashedSwitch(t *testing.T) {
	d := strings.Repeat("ab", 32)
	if got, err := Hash(FirstName, strings.ToUpper(d)); got != d || err != nil {
		t.Error("pre-hashed value not passed through")
	}
	got, err := Hash(FirstName, d, WithRejectPreHashed())
	if err != nil || got == d || len(got) != 64 {
		t.Error("WithRejectPreHashed did not hash the value as text")
	}
}

func TestNowFixesThisYear(t *testing.T) {
	now := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	fixed := func(o *Options) { o.Now = func() time.Time { return now } }
	if _, err := Normalize(BirthYear, "2020", fixed); err != nil {
		t.Errorf("2020 rejected in 2020: %v", err)
	}
	if _, err := Normalize(BirthYear, "2021", fixed); !hasReason(err, ReasonYearRange) {
		t.Errorf("2021 accepted in 2020: %v", err)
	}
	if _, err := Normalize(BirthYear, "2021"); err != nil {
		t.Errorf("2021 rejected today: %v", err)
	}
}

func TestUnknownKeyAndRowCountry(t *testing.T) {
	for _, v := range []string{"", "x"} {
		if _, err := Hash(Key("SSN"), v); !hasReason(err, ReasonUnknownKey) {
			t.Errorf("unknown key with %d-byte value: err = %v", len(v), err)
		}
	}
	if c, err := HashCell(Key("SSN"), "x"); err == nil || !c.IsMissing() {
		t.Error("HashCell made a cell for an unknown key")
	}
	h, _ := New(WithCountry("gb"))
	for _, cc := range []string{"", "zz", "Atlantis"} {
		if n, err := h.NormalizeIn(Phone, "020 7946 0958", cc); n != "442079460958" || err != nil {
			t.Errorf("row country %q did not fall back to the default region", cc)
		}
	}
	for _, cc := range []string{"us", "USA", "United States"} {
		if n, err := h.NormalizeIn(Phone, "(650) 555-1212", cc); n != "16505551212" || err != nil {
			t.Errorf("row country %q not used", cc)
		}
	}
	buf, r := h.AppendHashIn(nil, Zip, "2134", "us")
	if r != "" || string(buf) != sha(t, "02134") {
		t.Error("AppendHashIn did not use the row's country")
	}
}

func TestZeroHasher(t *testing.T) {
	var h Hasher
	want, _ := Hash(Email, "mary@example.com")
	if got, err := h.Hash(Email, "mary@example.com"); got != want || err != nil || h.Scheme() != SchemeMeta {
		t.Error("zero Hasher differs from the default")
	}
	recs := syntheticRecords(1100)
	if _, _, err := h.HashBatch(t.Context(), MetaSchema(), recs); err != nil {
		t.Errorf("zero Hasher HashBatch: %v", err)
	}
}

func TestAppendNormalizedAndCellIn(t *testing.T) {
	h, _ := New()
	buf, r := h.AppendNormalized([]byte("x:"), City, "  São Paulo ")
	if string(buf) != "x:saopaulo" || r != "" {
		t.Error("AppendNormalized wrong")
	}
	buf, r = h.AppendNormalized(buf[:0], Gender, "maybe")
	if len(buf) != 0 || r != ReasonGenderUnknown {
		t.Error("AppendNormalized rejection wrong")
	}
	c, err := h.CellIn(Zip, "2134", "United States")
	if err != nil || c.Key() != Zip || c.Value() != sha(t, "02134") {
		t.Error("CellIn did not use the country")
	}
	if _, err := h.CellIn(Key("X"), "v", ""); !hasReason(err, ReasonUnknownKey) {
		t.Error("CellIn accepted an unknown key")
	}
}

func TestErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{Key: Email, Reason: ReasonEmailAt}, `hashing: "EMAIL": invalid: email_at_sign`},
		{Error{Key: Phone, Reason: ReasonPhoneNoCountry, Row: 4}, `hashing: "PHONE": warning: phone_no_country (row 4)`},
		{Error{Key: Zip, Reason: ReasonZipFormat, Row: 2, Column: "post code"}, `hashing: "ZIP": invalid: zip_format (row 2, column "post code")`},
		{Error{Key: Zip, Reason: ReasonZipFormat, Column: "zip"}, `hashing: "ZIP": invalid: zip_format (column "zip")`},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
	_, err := New(func(o *Options) { o.Scheme = SchemeHMAC })
	if err == nil || !strings.HasPrefix(err.Error(), "hashing: options: ") {
		t.Errorf("config error message: %v", err)
	}
}
