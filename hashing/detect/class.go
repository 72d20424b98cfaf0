package detect

import "github.com/cdpkit/cdpkit/hashing"

// Class is what a column holds. Its string form is stable and lowercase.
type Class string

// The classes a column can be given.
const (
	Email        Class = "email"
	Phone        Class = "phone"
	FirstName    Class = "first_name"
	LastName     Class = "last_name"
	FirstInitial Class = "first_initial"
	City         Class = "city"
	State        Class = "state"
	Zip          Class = "zip"
	Country      Class = "country"
	DOB          Class = "date_of_birth" // a whole birth date
	BirthYear    Class = "birth_year"
	BirthMonth   Class = "birth_month"
	BirthDay     Class = "birth_day"
	Gender       Class = "gender"
	MobileAdID   Class = "mobile_ad_id"
	ExternalID   Class = "external_id"
	IPAddress    Class = "ip_address"
	PaymentCard  Class = "payment_card"  // forbidden
	NationalID   Class = "national_id"   // forbidden
	FreeTextPII  Class = "free_text_pii" // forbidden
	Hashed       Class = "hashed"        // already-hashed digests
	NotPII       Class = "not_pii"
)

// Classes lists every class, in a fixed order.
func Classes() []Class {
	return []Class{Email, Phone, FirstName, LastName, FirstInitial, City, State, Zip, Country,
		DOB, BirthYear, BirthMonth, BirthDay, Gender, MobileAdID, ExternalID, IPAddress,
		PaymentCard, NationalID, FreeTextPII, Hashed, NotPII}
}

// Forbidden reports the classes that must not reach the clean zone in any
// form: payment cards, national identifiers and free text that carries PII.
func (c Class) Forbidden() bool {
	return c == PaymentCard || c == NationalID || c == FreeTextPII
}

// PII reports whether the class is personal data (everything but NotPII).
func (c Class) PII() bool { return c != NotPII && c != "" }

// Key returns the hashing key a column of this class feeds, if any. An IP
// address, a forbidden class, an already-hashed column (whose key comes
// from its header, see Finding.Key) and NotPII have none.
func (c Class) Key() (hashing.Key, bool) {
	k, ok := classKeys[c]
	return k, ok
}

var classKeys = map[Class]hashing.Key{
	Email:        hashing.Email,
	Phone:        hashing.Phone,
	FirstName:    hashing.FirstName,
	LastName:     hashing.LastName,
	FirstInitial: hashing.FirstInitial,
	City:         hashing.City,
	State:        hashing.State,
	Zip:          hashing.Zip,
	Country:      hashing.Country,
	DOB:          hashing.DOB,
	BirthYear:    hashing.BirthYear,
	BirthMonth:   hashing.BirthMonth,
	BirthDay:     hashing.BirthDay,
	Gender:       hashing.Gender,
	MobileAdID:   hashing.MobileAdID,
	ExternalID:   hashing.ExternID,
}
