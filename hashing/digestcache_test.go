package hashing

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"testing"
)

// TestShortDigestTable checks every cached digest against crypto/sha256,
// and that inputs outside the table and HMAC hashers are not served from it.
func TestShortDigestTable(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var ins []string
	const alnum = "0123456789abcdefghijklmnopqrstuvwxyz"
	for i := range len(alnum) {
		ins = append(ins, alnum[i:i+1])
		for j := range len(alnum) {
			ins = append(ins, alnum[i:i+1]+alnum[j:j+1])
		}
	}
	for y := 1890; y < 2110; y++ {
		ins = append(ins, strconv.Itoa(y))
	}
	ins = append(ins, "", "A", "é", "-1", "abc", "19x0", "12345", "0199")
	cached := 0
	for n, in := range ins {
		if shortIndex([]byte(in)) >= 0 {
			cached++
		}
		sum := sha256.Sum256([]byte(in))
		got := string(h.appendDigestHex([]byte("pre"), []byte(in)))
		if got != "pre"+hex.EncodeToString(sum[:]) {
			t.Fatalf("input %d (len %d): digest differs from crypto/sha256", n, len(in))
		}
	}
	if want := shortN + shortYears; cached != want {
		t.Fatalf("cached inputs = %d, want %d", cached, want)
	}

	hm, err := New(WithHMAC([]byte("k")))
	if err != nil {
		t.Fatal(err)
	}
	sum := hm.digest([]byte("us"))
	if got, want := string(hm.appendDigestHex(nil, []byte("us"))), hex.EncodeToString(sum[:]); got != want {
		t.Fatal("HMAC digest of a short value differs from the keyed digest")
	}
	plain := sha256.Sum256([]byte("us"))
	if hex.EncodeToString(plain[:]) == hex.EncodeToString(sum[:]) {
		t.Fatal("HMAC digest equals the plain digest")
	}
}
