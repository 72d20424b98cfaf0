// Command gencountries writes hashing/countries.go: the 249 ISO 3166-1
// countries with their alpha-3 codes and English names from CLDR (through
// golang.org/x/text), plus ISO short names and common aliases listed below.
//
// From the repository root:
//
//	go run ./hashing/testdata/gencountries > hashing/countries.go && gofmt -w hashing/countries.go
package main

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// notISO are two-letter codes CLDR knows as regions that are not ISO
// 3166-1 alpha-2 country codes (exceptional, transitional, deleted or
// user-assigned ones). UK is handled as an alias of GB.
var notISO = strings.Fields("AC AN BU CP CQ CS CT DD DG DY EA EZ FQ FX HV IC JT MI NH NQ NT PC PU PZ RH SU TA TP UK UN VD WK XK YD YU ZR")

// aliases are ISO 3166-1 short names where they differ from CLDR's, and
// names in common use. ISO's "(the)" suffix needs no alias: the lookup
// ignores a leading or trailing "the".
var aliases = map[string][]string{
	"us": {"United States of America", "U.S.", "U.S.A."},
	"gb": {"United Kingdom of Great Britain and Northern Ireland", "Great Britain", "Britain", "UK", "U.K."},
	"ag": {"Antigua and Barbuda"}, "ba": {"Bosnia and Herzegovina"}, "bl": {"Saint Barthélemy"},
	"bn": {"Brunei Darussalam"},
	"bo": {"Bolivia (Plurinational State of)", "Bolivia, Plurinational State of", "Plurinational State of Bolivia"},
	"bq": {"Bonaire, Sint Eustatius and Saba", "Bonaire"}, "bs": {"The Bahamas", "Bahamas (the)"},
	"cc": {"Cocos Islands", "Keeling Islands"},
	"cd": {"Democratic Republic of the Congo", "Congo (the Democratic Republic of the)", "Congo, The Democratic Republic of the", "DR Congo", "DRC", "Congo-Kinshasa"},
	"cg": {"Congo", "Republic of the Congo", "Congo (the)", "Congo-Brazzaville"},
	"ci": {"Cote d'Ivoire", "Ivory Coast"}, "cv": {"Cabo Verde"}, "cz": {"Czech Republic"},
	"fk": {"Falkland Islands (Malvinas)", "Falkland Islands (the) [Malvinas]", "Malvinas"},
	"fm": {"Micronesia (Federated States of)", "Federated States of Micronesia"},
	"gm": {"The Gambia", "Gambia (the)"}, "gs": {"South Georgia and the South Sandwich Islands"},
	"hk": {"Hong Kong", "Hong Kong SAR"}, "hm": {"Heard Island and McDonald Islands"},
	"ir": {"Iran (Islamic Republic of)", "Iran, Islamic Republic of", "Islamic Republic of Iran"},
	"kn": {"Saint Kitts and Nevis"},
	"kp": {"Korea (Democratic People's Republic of)", "Korea (the Democratic People's Republic of)", "Democratic People's Republic of Korea", "Korea, Democratic People's Republic of"},
	"kr": {"Korea (Republic of)", "Korea (the Republic of)", "Korea, Republic of", "Republic of Korea"},
	"la": {"Lao People's Democratic Republic", "Lao"}, "lc": {"Saint Lucia"},
	"md": {"Moldova (Republic of)", "Moldova (the Republic of)", "Moldova, Republic of", "Republic of Moldova"},
	"mf": {"Saint Martin (French part)", "Saint Martin"}, "mk": {"North Macedonia", "Republic of North Macedonia"},
	"mm": {"Burma"}, "mo": {"Macao", "Macau", "Macao SAR"},
	"nl": {"Netherlands (Kingdom of the)", "The Netherlands", "Holland"},
	"pm": {"Saint Pierre and Miquelon"}, "ps": {"Palestine", "State of Palestine", "Palestine, State of"},
	"ru": {"Russian Federation"}, "sh": {"Saint Helena", "Saint Helena, Ascension and Tristan da Cunha"},
	"sj": {"Svalbard and Jan Mayen"}, "st": {"Sao Tome and Principe"}, "sx": {"Sint Maarten (Dutch part)"},
	"sy": {"Syrian Arab Republic"}, "sz": {"Eswatini"}, "tc": {"Turks and Caicos Islands"},
	"tl": {"East Timor"}, "tr": {"Türkiye", "Turkiye"}, "tt": {"Trinidad and Tobago"},
	"tw": {"Taiwan, Province of China", "Taiwan (Province of China)"},
	"tz": {"Tanzania, United Republic of", "United Republic of Tanzania"},
	"um": {"United States Minor Outlying Islands"}, "va": {"Holy See", "Vatican"},
	"vc": {"Saint Vincent and the Grenadines"},
	"ve": {"Venezuela (Bolivarian Republic of)", "Venezuela, Bolivarian Republic of"},
	"vg": {"Virgin Islands (British)"}, "vi": {"Virgin Islands (U.S.)", "United States Virgin Islands"},
	"vn": {"Viet Nam"}, "wf": {"Wallis and Futuna"}, "ax": {"Aland Islands"}, "re": {"Reunion"},
	"cw": {"Curacao"}, "fo": {"Faroe Islands", "Faeroe Islands"}, "ae": {"UAE"}, "pn": {"Pitcairn"},
}

func main() {
	var rows []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			if err != nil || r.String() != code || !r.IsCountry() || slices.Contains(notISO, code) {
				continue
			}
			name := display.English.Regions().Name(r)
			names := []string{name}
			if i := strings.Index(name, "("); i > 0 {
				names = append(names, strings.TrimSpace(name[:i]))
			}
			if strings.Contains(name, "&") {
				names = append(names, strings.ReplaceAll(name, "&", "and"))
			}
			if strings.Contains(name, "St. ") {
				names = append(names, strings.ReplaceAll(name, "St. ", "Saint "))
			}
			if strings.Contains(name, " SAR China") {
				names = append(names, strings.ReplaceAll(name, " SAR China", ""))
			}
			a2 := strings.ToLower(code)
			for _, n := range append(names, aliases[a2]...) {
				if !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
			q := make([]string, len(names))
			for i, n := range names {
				q[i] = fmt.Sprintf("%q", n)
			}
			rows = append(rows, fmt.Sprintf("\t{%q, %q, []string{%s}},", a2, strings.ToLower(r.ISO3()), strings.Join(q, ", ")))
		}
	}
	fmt.Printf(`// Code generated by hashing/testdata/gencountries from CLDR English region
// names (golang.org/x/text/language/display) restricted to the %d ISO 3166-1
// alpha-2 codes, plus ISO short names and common aliases. DO NOT EDIT.

package hashing

// countries lists ISO 3166-1: alpha-2, alpha-3 (both lowercase) and English names.
var countries = [...]struct {
	alpha2, alpha3 string
	names          []string
}{
%s
}
`, len(rows), strings.Join(rows, "\n"))
}
