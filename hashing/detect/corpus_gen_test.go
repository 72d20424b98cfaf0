package detect

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// The labelled corpus in testdata/corpus is written by generateCorpus
// (go test -run TestCorpusUpToDate -update): deterministic, synthetic, no
// real person's data. Its name lists differ on purpose from the
// classifier's dictionaries (about half the names are unknown to it), and
// it mixes headers in several languages, unhelpful headers, formats, empty
// cells and decoys (sequential order numbers that read as phone numbers,
// five-digit product codes, language codes, order dates, quantities).

type corpusFile struct {
	name   string
	header []string
	labels []Class
	rows   [][]string
}

var genFirst = strings.Fields(`James Mary Robert Patricia Michael Jennifer William Linda David Elizabeth Richard
Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Ashley Emily Hans Ursula Jürgen Monika Pierre Amélie
Sébastien Hélène José Lucía Giuseppe Giulia João Beatriz Piotr Agnieszka Lars Astrid Yuki Hiroshi Wei Priya Ahmed
Fatima Olga Mehmet Ayşe Kwame Ngozi Thabo Minh Rowan Tamsin Eilidh Cormac Saoirse Niamh Oisín Ffion Gwen Idris
Lorcan Branwen Ottilie Wilhelmina Leopold Casimir Ignatius Perpetua Zebedee Philippa Bartholomew Cosima Evander
Isolde Jolene Ludovica Maximiliane Radegund Sigrun Tancred Ulrika Vesna Wenceslas Xanthe Yseult Zdenka Anouk Bram
Fenna Joep Lotte Sander Tijn Veerle Aino Eero Ilmari Kaisu Oskari Sisko Timo Ulla`)

var genLast = strings.Fields(`Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Müller Schmidt
Schneider Fischer Weber Dubois Durand Lefèvre Moreau Rossi Russo Ferrari Silva Santos Oliveira Nowak Kowalski
Andersson Johansson Yılmaz Kaya Ivanov Sato Suzuki Wang Zhang Kim Park Singh Sharma Khan Okafor Mensah Abernathy
Blackwood Cattermole Dunsmore Eversley Fairweather Greenhalgh Hollingsworth Inglethorpe Jarndyce Kettleborough
Lockwood Mablethorpe Netherby Oddington Pemberton Quatermain Ravenscroft Sowerberry Thistlewood Underhill
Vanstone Wetherall Yardley Zouch Achterberg Brinkhuis Doorewaard Eijkelenboom Ferwerda Grootveld Hoogendijk
Ingelse Jonkergouw Kuipers Leijten Mosterd Nieuwenhuis Oosterhout Pronk Quakernaat Roodenburg Schoonhoven
Tuinman Uitdenbogaard Verkerk Wijnands Zegers Aaltonen Heikkinen Kettunen Laaksonen Nurmi Rantanen Salminen
Toivonen Väisänen Ylönen`)

var genCities = strings.Fields(`New_York Chicago Houston Phoenix Seattle Denver Boston Atlanta Miami Portland London
Manchester Leeds Bristol Berlin Hamburg München Köln Frankfurt Paris Lyon Marseille Toulouse Madrid Barcelona
Sevilla Roma Milano Napoli Lisboa Porto Amsterdam Rotterdam Warszawa Kraków Stockholm Tokyo Osaka Toronto Sydney
Aberystwyth Bournemouth Carlisle Dunfermline Exeter Falkirk Gloucester Harrogate Inverness Kilmarnock Lancaster
Middlesbrough Northampton Peterborough Rotherham Salisbury Taunton Wakefield Worcester Yeovil Apeldoorn
Deventer Enschede Hilversum Leeuwarden Maastricht Nijmegen Roermond Tilburg Venlo Zwolle Bayreuth Cottbus
Flensburg Göttingen Heilbronn Ingolstadt Jena Konstanz Lüneburg Marburg Passau Rosenheim Siegen Trier Ulm
Wolfsburg Zwickau Annecy Besançon Chambéry Dunkerque Limoges Mulhouse Perpignan Quimper Valence Albacete
Cáceres Huelva Lleida Ourense Segovia Teruel Zamora`)

var usStateCodes = strings.Fields("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY")
var usStateNames = []string{"California", "Texas", "New York", "Florida", "Illinois", "Pennsylvania", "Ohio", "Georgia", "North Carolina", "Michigan", "New Jersey", "Virginia", "Washington", "Arizona", "Massachusetts", "Tennessee", "Indiana", "Missouri", "Maryland", "Wisconsin"}
var deStates = []string{"Bayern", "Berlin", "Hessen", "Sachsen", "Hamburg", "Niedersachsen", "Nordrhein-Westfalen", "Baden-Württemberg", "Thüringen", "Brandenburg"}
var countriesMixed = []string{"US", "GB", "DE", "FR", "ES", "IT", "NL", "Germany", "France", "United States", "United Kingdom", "Spain", "USA", "DEU", "FRA", "Italy", "Netherlands", "Brazil", "Japan", "Canada", "PL", "SE", "Sweden", "Poland", "UK"}

type gen struct{ r *rand.Rand }

func (g gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }
func (g gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}
func (g gen) chance(p float64) bool { return g.r.Float64() < p }

func (g gen) name(list []string) string { return strings.ReplaceAll(g.pick(list), "_", " ") }

func asciiFold(s string) string {
	r := strings.NewReplacer("ü", "u", "ö", "o", "ä", "a", "é", "e", "è", "e", "í", "i", "ó", "o", "ã", "a", "ç", "c", "ı", "i", "ş", "s", "ø", "o", "å", "a", "Ü", "U", "Ö", "O", "á", "a", "ł", "l", "ß", "ss")
	return strings.ToLower(r.Replace(s))
}

func (g gen) email() string {
	f, l := asciiFold(g.pick(genFirst)), asciiFold(g.pick(genLast))
	dom := g.pick([]string{"example.com", "mail.example.org", "example.co.uk", "beispiel.de", "exemple.fr", "example.xn--p1ai", "corp.example.net"})
	var e string
	switch g.r.IntN(4) {
	case 0:
		e = f + "." + l + "@" + dom
	case 1:
		e = f[:1] + l + strconv.Itoa(g.r.IntN(99)) + "@" + dom
	case 2:
		e = strings.ToUpper(f[:1]) + f[1:] + "_" + l + "@" + strings.ToUpper(dom)
	default:
		e = " " + f + "+news@" + dom + " "
	}
	return e
}

var usAreas = []string{"212", "415", "650", "312", "617", "202", "305", "713", "206", "512", "303", "404", "503", "602", "718"}

// phone draws a number libphonenumber calls valid, in one of several ways
// of writing it.
func (g gen) phone(loc string) string {
	for {
		var s, region string
		switch loc {
		case "us":
			region = "US"
			a, x, n := g.pick(usAreas), strconv.Itoa(200+g.r.IntN(799)), g.digits(4)
			s = g.pick([]string{"(" + a + ") " + x + "-" + n, a + "-" + x + "-" + n, "+1 " + a + " " + x + " " + n, a + "." + x + "." + n, "1-" + a + "-" + x + "-" + n})
		case "gb":
			region = "GB"
			if g.chance(0.5) {
				m := "7" + strconv.Itoa(4+g.r.IntN(6)) + g.digits(2) + " " + g.digits(6)
				s = g.pick([]string{"0" + m, "+44 " + m, "+44 (0)" + m})
			} else {
				n := "20 7" + g.digits(3) + " " + g.digits(4)
				s = g.pick([]string{"0" + n, "+44 " + n, "+44 0" + n})
			}
		case "de":
			region = "DE"
			if g.chance(0.5) {
				s = g.pick([]string{"0151 ", "+49 151 ", "0049 160 ", "0176 "}) + g.digits(8)
			} else {
				s = g.pick([]string{"030 ", "+49 30 ", "+49 (0)89 ", "089/"}) + g.digits(7)
			}
		case "fr":
			region = "FR"
			d := "6" + " " + g.digits(2) + " " + g.digits(2) + " " + g.digits(2) + " " + g.digits(2)
			s = g.pick([]string{"0" + d, "+33 " + d, "+33 (0)" + d, strings.ReplaceAll("0"+d, " ", ".")})
		default:
			region = "ES"
			s = g.pick([]string{"+34 6", "6", "+34 7"}) + g.digits(2) + " " + g.digits(3) + " " + g.digits(3)
		}
		num, err := phonenumbers.Parse(s, region)
		if err == nil && phonenumbers.IsValidNumber(num) {
			return s
		}
	}
}

func (g gen) date(lo, hi int, format int) string {
	y, m, d := lo+g.r.IntN(hi-lo+1), 1+g.r.IntN(12), 1+g.r.IntN(28)
	switch format {
	case 0:
		return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	case 1:
		return fmt.Sprintf("%02d/%02d/%04d", m, d, y)
	case 2:
		return fmt.Sprintf("%02d.%02d.%04d", d, m, y)
	default:
		return fmt.Sprintf("%04d%02d%02d", y, m, d)
	}
}

func (g gen) uuid(upper bool) string {
	const hx = "0123456789abcdef"
	b := make([]byte, 36)
	for i := range b {
		switch i {
		case 8, 13, 18, 23:
			b[i] = '-'
		default:
			b[i] = hx[g.r.IntN(16)]
		}
	}
	if upper {
		return strings.ToUpper(string(b))
	}
	return string(b)
}

func luhnDigit(d string) byte {
	sum := 0
	double := true
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return byte('0' + (10-sum%10)%10)
}

func (g gen) card() string {
	p := g.pick([]string{"4", "51", "55", "37", "6011"})
	n := 16
	if p == "37" {
		n = 15
	}
	d := p + g.digits(n-len(p)-1)
	d += string(luhnDigit(d))
	switch g.r.IntN(3) {
	case 0:
		return d
	case 1:
		var b strings.Builder
		for i := 0; i < len(d); i += 4 {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(d[i:min(i+4, len(d))])
		}
		return b.String()
	default:
		return d[:4] + "-" + d[4:8] + "-" + d[8:12] + "-" + d[12:]
	}
}

func (g gen) ssn() string {
	for {
		a := 1 + g.r.IntN(899)
		if a == 666 {
			continue
		}
		return fmt.Sprintf("%03d-%02d-%04d", a, 1+g.r.IntN(98), 1+g.r.IntN(9998))
	}
}

func (g gen) nationalID(kind int) string {
	switch kind {
	case 0:
		return g.ssn()
	case 1: // UK NINO
		return g.pick([]string{"AB", "CE", "JG", "KL", "PR", "SW", "TY"}) + " " + g.digits(2) + " " + g.digits(2) + " " + g.digits(2) + " " + g.pick([]string{"A", "B", "C", "D"})
	case 2: // Spanish DNI
		n := g.r.IntN(100000000)
		return fmt.Sprintf("%08d%c", n, dniLetters[n%23])
	case 3: // French NIR
		s := fmt.Sprintf("%d%02d%02d%02d%03d%03d", 1+g.r.IntN(2), g.r.IntN(100), 1+g.r.IntN(12), 1+g.r.IntN(95), 1+g.r.IntN(990), 1+g.r.IntN(999))
		n, _ := strconv.ParseUint(s, 10, 64)
		return fmt.Sprintf("%s %02d", s, 97-n%97)
	default: // PESEL
		w := []int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
		s := fmt.Sprintf("%02d%02d%02d%04d", g.r.IntN(100), 1+g.r.IntN(12), 1+g.r.IntN(28), g.r.IntN(10000))
		sum := 0
		for i := 0; i < 10; i++ {
			sum += w[i] * int(s[i]-'0')
		}
		return s + strconv.Itoa((10-sum%10)%10)
	}
}

var plainNotes = []string{"Great product, fast delivery and friendly support team", "Asked about the return policy for the winter collection",
	"Prefers weekend deliveries when the shop is closed", "Interested in the premium plan after the trial ends next month",
	"Kunde wünscht Rückruf wegen der Lieferung am Montag", "Le client souhaite changer la couleur de la commande",
	"no further action needed on this ticket for now", "Repeat buyer, loyal since the store opened in the old town"}

func (g gen) note(pii bool) string {
	if !pii {
		return g.pick(plainNotes)
	}
	switch g.r.IntN(3) {
	case 0:
		return "Customer asked to be contacted at " + strings.TrimSpace(g.email()) + " about the refund"
	case 1:
		return "Called back from " + g.phone(g.pick([]string{"us", "gb", "de"})) + " regarding the delivery"
	default:
		return "Paid by card " + g.card() + " and asked for an invoice"
	}
}

// column kinds: a label, header choices and a value generator.
type kind struct {
	class   Class
	headers []string
	value   func(g gen, row int, loc string) string
}

var kinds = map[string]kind{
	"email": {Email, []string{"email", "E-Mail", "Email Address", "e_mail", "courriel", "Correo electrónico", "E-Mail-Adresse", "customerEmail", "mail", "メールアドレス", "contact"},
		func(g gen, _ int, _ string) string { return g.email() }},
	"phone": {Phone, []string{"phone", "Telefon", "Téléphone", "mobile_number", "Tel.", "Handynummer", "teléfono", "Phone Number", "cell", "電話番号", "contact_no"},
		func(g gen, _ int, loc string) string { return g.phone(loc) }},
	"fn": {FirstName, []string{"first_name", "Vorname", "Prénom", "nombre", "FirstName", "given name", "fname", "Nome", "voornaam"},
		func(g gen, _ int, _ string) string { return g.name(genFirst) }},
	"ln": {LastName, []string{"last_name", "Nachname", "Nom", "apellido", "LastName", "surname", "lname", "Cognome", "achternaam", "Family Name"},
		func(g gen, _ int, _ string) string { return g.name(genLast) }},
	"fi": {FirstInitial, []string{"first_initial", "initial", "FI", "Initiale", "inicial"},
		func(g gen, _ int, _ string) string {
			s := g.name(genFirst)[:1]
			if g.chance(0.3) {
				s += "."
			}
			return s
		}},
	"city": {City, []string{"city", "Stadt", "Ville", "ciudad", "Town", "Ort", "città", "City Name", "Wohnort"},
		func(g gen, _ int, _ string) string { return g.name(genCities) }},
	"state": {State, []string{"state", "State", "province", "Bundesland", "estado", "Region", "st"},
		func(g gen, _ int, loc string) string {
			if loc == "de" {
				return g.pick(deStates)
			}
			switch g.r.IntN(3) {
			case 0:
				return g.pick(usStateCodes)
			case 1:
				return g.pick(usStateNames)
			}
			return "US-" + g.pick(usStateCodes)
		}},
	"zip": {Zip, []string{"zip", "ZIP Code", "postcode", "PLZ", "code postal", "CP", "Postleitzahl", "postal_code", "CAP"},
		func(g gen, _ int, loc string) string {
			switch loc {
			case "gb":
				return g.pick([]string{"SW1A", "EC1A", "M1", "B33", "LS1", "G2"}) + " " + strconv.Itoa(g.r.IntN(10)) + string(rune('A'+g.r.IntN(26))) + string(rune('A'+g.r.IntN(26)))
			case "nl":
				return strconv.Itoa(1000+g.r.IntN(9000)) + " " + string(rune('A'+g.r.IntN(26))) + string(rune('A'+g.r.IntN(26)))
			case "de", "fr", "es":
				return fmt.Sprintf("%05d", 1000+g.r.IntN(98000))
			}
			z := fmt.Sprintf("%05d", 500+g.r.IntN(99000))
			if g.chance(0.2) {
				z += "-" + g.digits(4)
			}
			return z
		}},
	"country": {Country, []string{"country", "Land", "Pays", "país", "Country Code", "nation", "paese"},
		func(g gen, _ int, _ string) string { return g.pick(countriesMixed) }},
	"dob": {DOB, []string{"dob", "Date of Birth", "Geburtsdatum", "date de naissance", "fecha_nacimiento", "birthdate", "Birthday", "data di nascita"},
		func(g gen, _ int, loc string) string {
			f := 0
			switch loc {
			case "us":
				f = 1
			case "de":
				f = 2
			}
			if loc == "" {
				f = g.r.IntN(4)
			}
			return g.date(1940, 2006, f)
		}},
	"doby": {BirthYear, []string{"birth_year", "Geburtsjahr", "year of birth", "YOB", "doby"},
		func(g gen, _ int, _ string) string { return strconv.Itoa(1940 + g.r.IntN(66)) }},
	"dobm": {BirthMonth, []string{"birth_month", "month of birth", "dobm", "Geburtsmonat"},
		func(g gen, _ int, _ string) string { return strconv.Itoa(1 + g.r.IntN(12)) }},
	"dobd": {BirthDay, []string{"day_of_birth", "dobd", "jour de naissance"},
		func(g gen, _ int, _ string) string { return fmt.Sprintf("%02d", 1+g.r.IntN(28)) }},
	"gender": {Gender, []string{"gender", "Geschlecht", "sexe", "sex", "género", "Gender (M/F)"},
		func(g gen, _ int, _ string) string {
			return g.pick([]string{"M", "F", "male", "female", "Female", "m.", "f", "F"})
		}},
	"madid": {MobileAdID, []string{"madid", "IDFA", "gaid", "advertising_id", "device ad id"},
		func(g gen, _ int, _ string) string { return g.uuid(g.chance(0.5)) }},
	"extid": {ExternalID, []string{"customer_id", "Kundennummer", "id client", "member_id", "CRM ID", "user_id", "external_id"},
		func(g gen, row int, _ string) string {
			return "C" + strconv.Itoa(100000+row*7+g.r.IntN(7))
		}},
	"ip": {IPAddress, []string{"ip", "ip_address", "IP-Adresse", "last_login_ip", "remote_addr"},
		func(g gen, _ int, _ string) string {
			if g.chance(0.2) {
				return fmt.Sprintf("2001:db8:%x::%x", g.r.IntN(65535), g.r.IntN(65535))
			}
			return fmt.Sprintf("%d.%d.%d.%d", 1+g.r.IntN(222), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
		}},
	"card": {PaymentCard, []string{"card_number", "Kreditkarte", "CC", "numéro de carte", "pan", "payment"},
		func(g gen, _ int, _ string) string { return g.card() }},
	"natid": {NationalID, []string{"ssn", "national_id", "NINO", "DNI", "numéro de sécurité sociale", "PESEL", "tax_id"},
		nil}, // per file: one kind of id
	"notespii": {FreeTextPII, []string{"notes", "Bemerkung", "commentaire", "comments", "agent_notes"},
		func(g gen, _ int, _ string) string { return g.note(g.chance(0.3)) }},
	"hashed": {Hashed, []string{"email_sha256", "hashed_email", "phone_hash", "sha256_em"},
		func(g gen, _ int, _ string) string {
			s := sha256.Sum256([]byte(strings.TrimSpace(strings.ToLower(g.email()))))
			return hex.EncodeToString(s[:])
		}},
	"phonebare": {Phone, []string{"col_p", "number", "contact1"},
		func(g gen, _ int, _ string) string {
			for {
				v := g.pick(usAreas) + strconv.Itoa(200+g.r.IntN(799)) + g.digits(4)
				if num, err := phonenumbers.Parse(v, "US"); err == nil && phonenumbers.IsValidNumber(num) {
					return v
				}
			}
		}},
	"zip4": {Zip, []string{"postcode", "Postleitzahl", "NPA", "code postal"},
		func(g gen, _ int, _ string) string { return strconv.Itoa(1000 + g.r.IntN(8999)) }},
	"yearblind": {BirthYear, []string{"y", "col_y", "attr"},
		func(g gen, _ int, _ string) string { return strconv.Itoa(1945 + g.r.IntN(60)) }},
	"emailjunk": {Email, []string{"Email", "mail", "e-mail (work)"},
		func(g gen, _ int, _ string) string {
			if g.chance(0.15) {
				return g.pick([]string{"n/a", "-", "unknown", "none"})
			}
			return g.email()
		}},
	// decoys
	"modelyear": {NotPII, []string{"c4", "v_year", "col_m"},
		func(g gen, _ int, _ string) string { return strconv.Itoa(1995 + g.r.IntN(31)) }},
	"orderid": {NotPII, []string{"order_id", "Bestellnummer", "order number", "numero commande", "ref"},
		func(g gen, row int, _ string) string { return strconv.Itoa(4155550000 + row*3 + g.r.IntN(3)) }},
	"orderidraw": {NotPII, []string{"col_a", "field1", "num", "c2"},
		func(g gen, row int, _ string) string { return strconv.Itoa(2125550100 + row*11) }},
	"product": {NotPII, []string{"product_code", "Artikelnummer", "sku", "item", "code"},
		func(g gen, _ int, _ string) string { return strconv.Itoa(10200 + g.r.IntN(600)) }},
	"productraw": {NotPII, []string{"x1", "value_b", "c5"},
		func(g gen, _ int, _ string) string { return strconv.Itoa(30100 + g.r.IntN(800)) }},
	"amount": {NotPII, []string{"amount", "Betrag", "price", "total", "montant"},
		func(g gen, _ int, _ string) string { return fmt.Sprintf("%d.%02d", g.r.IntN(500), g.r.IntN(100)) }},
	"status": {NotPII, []string{"status", "state_of_order", "Zustand", "flag"},
		func(g gen, _ int, _ string) string {
			return g.pick([]string{"active", "pending", "shipped", "cancelled", "returned"})
		}},
	"orderdate": {NotPII, []string{"order_date", "created_at", "Bestelldatum", "date", "fecha"},
		func(g gen, _ int, _ string) string { return g.date(2019, 2025, g.r.IntN(3)) }},
	"orderdateraw": {NotPII, []string{"d1", "when", "col9"},
		func(g gen, _ int, _ string) string { return g.date(2020, 2025, 0) }},
	"qty": {NotPII, []string{"qty", "quantity", "Menge", "units"},
		func(g gen, _ int, _ string) string { return strconv.Itoa(1 + g.r.IntN(12)) }},
	"lang": {NotPII, []string{"language", "Sprache", "lang", "locale"},
		func(g gen, _ int, _ string) string { return g.pick([]string{"en", "de", "fr", "es", "it"}) }},
	"notes": {NotPII, []string{"review", "feedback", "product_description", "remarks_public"},
		func(g gen, _ int, _ string) string { return g.note(false) }},
	"sku": {NotPII, []string{"sku", "article", "variant"},
		func(g gen, _ int, _ string) string {
			return "SKU-" + g.digits(5) + "-" + g.pick([]string{"RED", "BLU", "XL"})
		}},
	"score": {NotPII, []string{"score", "rating", "nps"},
		func(g gen, _ int, _ string) string { return strconv.Itoa(g.r.IntN(11)) }},
	"uuidtx": {NotPII, []string{"transaction_id", "session_id", "tracking_uuid"},
		func(g gen, _ int, _ string) string { return g.uuid(false) }},
}

// Unhelpful headers for columns whose values speak for themselves.
var blindHeaders = []string{"col1", "field_2", "Spalte 3", "colonne 4", "c5", "x", "data", "value", "attr_7", "campo8"}

var blindOK = map[string]bool{"email": true, "phone": true, "card": true, "natid": true, "ip": true, "hashed": true, "dob": true, "country": true, "gender": true, "zip": true, "fn": true, "ln": true, "city": true, "madid": true, "state": true}

func generateCorpus() []corpusFile {
	locales := []string{"us", "gb", "de", "fr", "es", "us", "nl", "us", "gb", "de"}
	plans := [][]string{
		{"extid", "email", "phone", "fn", "ln", "city", "state", "zip", "country", "dob", "gender", "orderid"},
		{"email", "fn", "ln", "phone", "zip", "city", "country", "amount", "orderdate", "status"},
		{"extid", "fn", "ln", "email", "dob", "gender", "zip", "product", "qty"},
		{"email", "phone", "card", "amount", "orderdate", "fn", "ln"},
		{"fn", "ln", "email", "natid", "city", "zip", "country"},
		{"madid", "ip", "email", "doby", "dobm", "dobd", "gender", "lang"},
		{"hashed", "extid", "zip", "country", "amount", "status", "sku", "card"},
		{"email", "notespii", "notes", "orderid", "phone", "fn"},
		{"fi", "ln", "zip", "city", "state", "country", "score", "uuidtx", "natid"},
		{"extid", "email", "phone", "fn", "ln", "dob", "orderdateraw", "orderidraw", "productraw"},
		{"emailjunk", "phonebare", "zip4", "yearblind", "modelyear", "ln", "gender"},
	}
	var files []corpusFile
	for i := 0; i < 32; i++ {
		g := gen{rand.New(rand.NewPCG(uint64(i)+1, 42))}
		loc := locales[i%len(locales)]
		plan := plans[i%len(plans)]
		// vary: a few blind headers and extra decoys per file
		extra := []string{"amount", "status", "qty", "lang", "orderdate", "sku", "score", "notes", "product", "uuidtx"}
		plan = append(append([]string(nil), plan...), extra[i%len(extra)])
		if i%3 == 0 {
			plan = append(plan, extra[(i+4)%len(extra)])
		}
		natKind := (i / 4) % 5
		f := corpusFile{name: fmt.Sprintf("file%02d_%s.csv", i, loc)}
		seen := map[string]bool{}
		for j, k := range plan {
			kd := kinds[k]
			h := kd.headers[(i+j)%len(kd.headers)]
			if blindOK[k] && (i+j)%3 == 0 {
				h = blindHeaders[(i+j)%len(blindHeaders)]
			}
			if g.chance(0.25) {
				h = strings.ToUpper(h)
			} else if g.chance(0.2) {
				h = " " + h + " "
			}
			for seen[h] {
				h += "_2"
			}
			seen[h] = true
			f.header = append(f.header, h)
			f.labels = append(f.labels, kd.class)
		}
		rows := 120 + g.r.IntN(120)
		for r := 0; r < rows; r++ {
			row := make([]string, len(plan))
			for j, k := range plan {
				if g.chance(0.08) {
					continue // empty cell
				}
				if k == "natid" {
					row[j] = g.nationalID(natKind)
					continue
				}
				row[j] = kinds[k].value(g, r, loc)
			}
			f.rows = append(f.rows, row)
		}
		files = append(files, f)
	}
	return files
}

func (f corpusFile) csv() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(f.header)
	w.WriteAll(f.rows)
	return b.Bytes()
}
