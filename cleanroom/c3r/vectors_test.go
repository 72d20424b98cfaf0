package c3r

import (
	"encoding/binary"
	"math"
	"testing"
)

// The official client's published test vectors (c3r-sdk-core tests): a
// 17-byte secret "SomeFakeSecretKey", salt "saltybytes", column "label".
const (
	vecSecret = "SomeFakeSecretKey"
	vecSalt   = "saltybytes"
	vecLabel  = "label"
	vecNonce  = "nonce01234567890nonce01234567890"
)

func vecFingerprint(t *testing.T, shared bool, label string, msg []byte) string {
	t.Helper()
	k, err := newKeys([]byte(vecSecret), vecSalt, shared)
	if err != nil {
		t.Fatal(err)
	}
	key, err := k.fingerprintKey(label)
	if err != nil {
		t.Fatal(err)
	}
	f := newFingerprinter(key)
	return string(appendHMACCell(nil, f.digest(msg)))
}

func TestFingerprintVectors(t *testing.T) {
	be64 := func(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }
	be32 := func(v int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }
	tests := []struct {
		name   string
		shared bool
		msg    []byte
		want   string
	}{
		// FingerprintTransformerTest
		{"per-column key", false, []byte("some cleartext data"), "02:hmac:qpQRixU/cftGhMGkt0G+cy/bKyvui15spVTEk5YYOA8="},
		{"shared key", true, []byte("some cleartext data"), "02:hmac:S2WgUaexdXJ1wbgJ829QYUfEioKyF+soXJCQuH/p020="},
		{"empty message", false, []byte{}, "02:hmac:zQOr/XFsJQCQ+rkEmBw5F8u9yTs/48vLFadq2cQ5fbs="},
		// FingerprintEquivalenceClassTest (representative bytes, no tag)
		{"bigint max", false, be64(math.MaxInt64), "02:hmac:kjXoghmHSYZn5nBkoWZpyAlIyBmao03MAVIdHp4rSy4="},
		{"boolean true", false, []byte{1}, "02:hmac:YK+q8evdVH86XycuCkXvpzCQIXdyCiMRB+ggXieNI6o="},
		{"date 100", false, be32(100), "02:hmac:D4lN29HIikYxdDsiSqgs0+LRTmZiWBCptsJ59yKubB0="},
		{"string 12345", false, []byte("12345"), "02:hmac:qAYEgUqI8GW2S0+1uZiYl2EWlaaPZrcHfvclC1yAQqo="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vecFingerprint(t, tt.shared, vecLabel, tt.msg); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	// Per-column keys differ by column; the shared key does not.
	if vecFingerprint(t, false, "differentLabel", []byte("some cleartext data")) == tests[0].want {
		t.Error("per-column fingerprints of two columns are equal")
	}
	if vecFingerprint(t, true, "differentLabel", []byte("some cleartext data")) != tests[1].want {
		t.Error("shared-key fingerprints of two columns differ")
	}
}

// TestFingerprintTypeTags is differentEquivalenceClassesDoNotMatchTest:
// the same 8 bytes fingerprint differently as BIGINT and as STRING because
// the message ends with the class's tag.
func TestFingerprintTypeTags(t *testing.T) {
	k, _ := newKeys([]byte(vecSecret), vecSalt, false) // the test's transformer is in high-assurance mode
	key, _ := k.fingerprintKey(vecLabel)
	f := newFingerprinter(key)
	asInt := string(appendHMACCell(nil, f.digest(appendFingerprintMessage(nil, Value{Type: TypeBigInt, Int: 100}))))
	if want := "02:hmac:XxBlrpT1ndd+Jk12ya7Finb9I9rOCzBO3ivb/inZ0eo="; asInt != want {
		t.Errorf("BIGINT 100: got %s, want %s", asInt, want)
	}
	// INT and SMALLINT are in BIGINT's class.
	for _, ty := range []Type{TypeInt, TypeSmallInt} {
		if got := string(appendHMACCell(nil, f.digest(appendFingerprintMessage(nil, Value{Type: ty, Int: 100})))); got != asInt {
			t.Errorf("%v 100 fingerprints unlike BIGINT 100", ty)
		}
	}
	str := Value{Type: TypeString, Bytes: binary.BigEndian.AppendUint64(nil, 100)}
	asString := string(appendHMACCell(nil, f.digest(appendFingerprintMessage(nil, str))))
	if want := "02:hmac:1Mv2rjn0cWRjXl5nWA3dNP0hT6PXDbcDbZhayZMgNMU="; asString != want {
		t.Errorf("STRING: got %s, want %s", asString, want)
	}
}

func TestSealedVectors(t *testing.T) {
	k, err := newKeys([]byte(vecSecret), vecSalt, false)
	if err != nil {
		t.Fatal(err)
	}
	var nonce [nonceLen]byte
	copy(nonce[:], vecNonce)
	c := newRowCipher(k.root)
	if err := c.reset(&nonce); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ msg, want string }{
		{"some cleartext data", "02:enc:bm9uY2UwMTIzNDU2Nzg5MG5vbmNlMDEyMzQ1Njc4OTBqfRYZ98t5KU6aWfsQmMshIXB+aQeNKcVLRIG4IqVn2RSlGoabQoytMye/pDz15Oas"},
		{"", "02:enc:bm9uY2UwMTIzNDU2Nzg5MG5vbmNlMDEyMzQ1Njc4OTBqfRYZ98t5KU6aWftj95yDN+G/A0Lx0zJ7ED5/Mfo="},
	}
	for _, tt := range tests {
		got := string(c.appendSealed(nil, []byte(vecLabel), []byte(tt.msg), 0))
		if got != tt.want {
			t.Errorf("seal %d bytes: got %s, want %s", len(tt.msg), got, tt.want)
		}
		if len(got) != sealedCellLen(len(tt.msg)+padLenLen) {
			t.Errorf("sealedCellLen = %d, cell is %d", sealedCellLen(len(tt.msg)+padLenLen), len(got))
		}
		pt, err := openSealed(k.root, []byte(got[len(prefixEnc):]))
		if err != nil || string(pt) != tt.msg {
			t.Errorf("open: %v, round trip mismatch: %v", err, string(pt) != tt.msg)
		}
	}
}
