package detect

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Header names are hints. A header is folded (lowercase, Latin diacritics
// removed, camelCase split) into tokens and into one squashed string of its
// letters and digits; a hint word matches the whole squashed header, a
// whole token, or (for words of five letters or more that rarely occur
// inside others) any part of it. The longest match wins, so "firstname"
// beats "name" and "birthyear" beats "birth".

type hintMode uint8

const (
	hintToken    hintMode = iota // a whole token, or the whole header
	hintContains                 // also anywhere inside the squashed header
)

type hintWord struct {
	word  string
	class Class
	mode  hintMode
}

// hint is what a header suggests.
type hint struct {
	class Class
	// key is the hashing key a hashed column's header names (hashed_email),
	// or "".
	key   Class
	score float64 // 1 for the whole header, less for a part of it
	word  int     // length of the matched word
}

// hintWords in English, German, French, Spanish, Italian, Portuguese,
// Dutch, Polish, Swedish, plus common Japanese, Chinese, Korean and Russian
// labels.
var hintWords = func() []hintWord {
	var ws []hintWord
	add := func(c Class, mode hintMode, words ...string) {
		for _, w := range words {
			ws = append(ws, hintWord{w, c, mode})
		}
	}
	add(Email, hintContains, "email", "emailaddress", "mail", "courriel", "correo", "correoelectronico",
		"postaelettronica", "epost", "eposta", "メール", "邮箱", "电子邮件", "이메일", "почта")
	add(Phone, hintContains, "phone", "telefon", "telephone", "mobile", "mobil", "cellphone", "handy",
		"portable", "movil", "celular", "cellulare", "telefono", "telemovel", "telefoon", "numerotel",
		"電話", "电话", "手机", "전화", "телефон")
	add(Phone, hintToken, "tel", "cell", "gsm", "fax", "msisdn", "tfno", "tlf")
	add(FirstName, hintContains, "firstname", "givenname", "forename", "vorname", "prenom", "nombre",
		"voornaam", "fornamn", "fornavn", "primeironome", "名前", "이름", "имя")
	add(FirstName, hintToken, "fname", "first", "nome", "imie", "given", "fn", "名")
	add(LastName, hintContains, "lastname", "surname", "familyname", "nachname", "familienname",
		"nomdefamille", "apellido", "cognome", "achternaam", "nazwisko", "efternamn", "etternavn",
		"sobrenome", "ultimonome", "фамилия")
	add(LastName, hintToken, "lname", "last", "nom", "ln", "姓", "성")
	add(FirstInitial, hintContains, "firstinitial", "initiale", "initial", "inicial", "iniziale")
	add(FirstInitial, hintToken, "fi", "init")
	add(City, hintContains, "city", "stadt", "wohnort", "ville", "ciudad", "citta", "cidade",
		"localidad", "locality", "miasto", "municipio", "commune", "gemeente", "城市", "都市", "город")
	add(City, hintToken, "town", "ort", "stad", "ct", "市")
	add(State, hintContains, "province", "bundesland", "provincia", "regione", "provincie",
		"wojewodztwo", "prefecture", "estado", "都道府県", "州", "省")
	add(State, hintToken, "state", "region", "st", "departement", "kanton")
	add(Zip, hintContains, "zipcode", "postcode", "postalcode", "postleitzahl", "codepostal",
		"codigopostal", "postnummer", "kodpocztowy", "pincode", "郵便番号", "邮编", "индекс")
	add(Zip, hintToken, "zip", "postal", "plz", "cp", "cap", "cep", "npa")
	add(Country, hintContains, "country", "countrycode", "pais", "paese", "nazione", "国家", "страна")
	add(Country, hintToken, "land", "pays", "kraj", "nation", "iso2", "ctry", "国")
	add(DOB, hintContains, "dateofbirth", "birthdate", "birthday", "geburtsdatum", "geburtstag",
		"datedenaissance", "fechadenacimiento", "fechanacimiento", "datadinascita", "datanascita",
		"datadenascimento", "geboortedatum", "dataurodzenia", "fodelsedatum", "生年月日", "出生日期",
		"датарождения", "naissance", "nacimiento")
	add(DOB, hintToken, "dob", "bday", "birth", "born")
	add(BirthYear, hintContains, "birthyear", "yearofbirth", "geburtsjahr", "anneedenaissance",
		"anodenacimiento", "annodinascita", "geboortejaar", "rokurodzenia")
	add(BirthYear, hintToken, "doby", "yob", "byear")
	add(BirthMonth, hintContains, "birthmonth", "monthofbirth", "geburtsmonat", "moisdenaissance",
		"mesdenacimiento", "mesedinascita", "geboortemaand")
	add(BirthMonth, hintToken, "dobm", "bmonth")
	add(BirthDay, hintContains, "dayofbirth", "birthdayofmonth", "jourdenaissance", "diadenacimiento",
		"giornodinascita", "geboortedag")
	add(BirthDay, hintToken, "dobd", "bdd")
	add(Gender, hintContains, "gender", "geschlecht", "genero", "geslacht", "性别", "性別")
	add(Gender, hintToken, "sex", "sexe", "sexo", "sesso", "genre", "genere", "plec", "kon", "gen", "пол")
	add(MobileAdID, hintContains, "advertisingid", "mobileadid", "deviceadid", "idfa", "gaid",
		"googleadid", "advertiserid")
	add(MobileAdID, hintToken, "madid", "maid", "aaid", "adid", "ifa")
	add(ExternalID, hintContains, "externid", "externalid", "customerid", "customerno",
		"customernumber", "clientid", "userid", "memberid", "accountid", "crmid", "loyaltyid",
		"kundennummer", "kundenid", "kundennr", "numeroclient", "idclient", "idcliente", "clienteid",
		"codigocliente", "klantnummer", "contactid", "personid", "membershipno", "abonnent")
	add(ExternalID, hintToken, "uid", "custid", "cid", "extid", "id")
	add(IPAddress, hintContains, "ipaddress", "ipaddr", "adresseip", "direccionip", "remoteaddr",
		"indirizzoip", "clientip")
	add(IPAddress, hintToken, "ip", "ipv4", "ipv6")
	add(PaymentCard, hintContains, "cardnumber", "creditcard", "debitcard", "kreditkarte", "kartennummer",
		"cartebancaire", "numerocarte", "cartedecredit", "tarjeta", "cartadicredito", "mastercard",
		"paymentcard", "ccnumber")
	add(PaymentCard, hintToken, "card", "cc", "pan", "visa", "amex", "ccnum")
	add(NationalID, hintContains, "socialsecurity", "nationalid", "nationalinsurance", "securitesociale",
		"numerosecu", "codicefiscale", "pesel", "burgerservicenummer", "personnummer", "steuerid",
		"sozialversicherung", "rijksregister", "passport", "reisepass", "passeport", "pasaporte",
		"idnumber", "taxid", "ausweis", "identitycard", "cartedidentite")
	add(NationalID, hintToken, "ssn", "nin", "nino", "nir", "dni", "nie", "nif", "cf", "bsn", "svnr",
		"tin", "itin", "sin", "nss", "insee")
	add(FreeTextPII, hintContains, "comment", "remark", "description", "bemerkung", "kommentar",
		"commentaire", "remarque", "comentario", "observaciones", "freetext", "message", "notiz")
	add(FreeTextPII, hintToken, "notes", "note", "text", "body", "nota", "notas", "memo")
	add(Hashed, hintContains, "hashed", "sha256", "digest", "sha1", "sha512")
	add(Hashed, hintToken, "hash", "md5", "sha")
	add(NotPII, hintContains, "orderid", "ordernumber", "orderno", "sku", "product", "invoice",
		"transaction", "amount", "price", "quantity", "bestellnummer", "artikelnummer", "commande",
		"pedido", "ordine", "timestamp", "created", "updated", "status", "category", "revenue",
		"articlenumber", "itemcode", "itemno", "session", "tracking", "shipment", "warehouse",
		"batch", "version", "score", "rating", "currency", "channel", "campaign", "language", "sprache",
		"langue", "idioma", "lingua", "locale")
	add(NotPII, hintToken, "order", "qty", "item", "total", "date", "time", "count", "ref", "code",
		"year", "month", "day", "type", "flag", "lot", "lang")
	return ws
}()

// fold returns the header's tokens and its squashed form.
func fold(h string) (tokens []string, squashed string) {
	if !utf8.ValidString(h) {
		h = strings.ToValidUTF8(h, " ")
	}
	var b strings.Builder
	var tok strings.Builder
	flush := func() {
		if tok.Len() > 0 {
			tokens = append(tokens, tok.String())
			tok.Reset()
		}
	}
	var prev rune
	for _, r := range norm.NFD.String(h) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush() // camelCase boundary
		}
		prev = r
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			switch r {
			case 'ß':
				r = 's'
			case 'ø', 'Ø':
				r = 'o'
			case 'ł', 'Ł':
				r = 'l'
			}
			r = unicode.ToLower(r)
			b.WriteRune(r)
			tok.WriteRune(r)
			continue
		}
		flush()
	}
	flush()
	return tokens, b.String()
}

// headerHint returns the best hint for a header, or a zero hint.
func headerHint(h string) hint {
	tokens, sq := fold(h)
	if sq == "" {
		return hint{}
	}
	var best hint
	consider := func(w hintWord, score float64) {
		n := utf8.RuneCountInString(w.word)
		// On a tie a decoy word wins: "state_of_order" is about an order.
		if n > best.word || n == best.word && (score > best.score || w.class == NotPII && best.class != NotPII) {
			best = hint{class: w.class, score: score, word: n}
		}
	}
	for _, w := range hintWords {
		switch {
		case sq == w.word:
			consider(w, 1)
		case w.mode == hintContains && strings.Contains(sq, w.word):
			consider(w, 0.7)
		default:
			for _, t := range tokens {
				if t == w.word {
					consider(w, 0.8)
					break
				}
			}
		}
	}
	if best.class == Hashed {
		// hashed_email, sha256_phone: the rest names the key.
		rest := hint{}
		for _, w := range hintWords {
			if w.class == Hashed || w.class == NotPII || w.class.Forbidden() {
				continue
			}
			if _, ok := w.class.Key(); !ok {
				continue
			}
			if w.mode == hintContains && strings.Contains(sq, w.word) || containsToken(tokens, w.word) {
				if n := utf8.RuneCountInString(w.word); n > rest.word {
					rest = hint{class: w.class, word: n}
				}
			}
		}
		best.key = rest.class
	}
	// A NotPII word that is only part of a longer PII header ("order" in
	// "order_email") does not outweigh the PII word: the longest match
	// already decides; a bare "id" token next to a PII word is the PII
	// word's (customer_email_id is an email).
	return best
}

func containsToken(tokens []string, w string) bool {
	for _, t := range tokens {
		if t == w {
			return true
		}
	}
	return false
}
