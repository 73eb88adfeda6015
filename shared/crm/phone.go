package crm

import (
	"fmt"
	"strings"
)

// NormalizePhone turns a phone number as people write it into E.164 form: "(555) 123-4567" with
// defaultCountry "US" is "+15551234567"; "+44 20 7946 0958" is "+442079460958" whatever the
// default; "020 7946 0958" with "GB" is "+442079460958" too.
//
// A number without a leading + (or an international prefix, 00, or 011 in the North American
// plan) is national, in defaultCountry, an ISO 3166-1 alpha-2 code; its trunk prefix (the
// leading 0 in most countries, 1 in North America, 8 in Russia and Kazakhstan, 06 in Hungary) is
// dropped. Spaces, dashes, dots, slashes and parentheses are ignored. Letters (vanity numbers,
// extensions), other characters, a country calling code that does not exist, and numbers of
// the wrong length are refused with an error saying what is wrong.
func NormalizePhone(raw string, defaultCountry string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", fmt.Errorf("phone number is empty")
	}
	plus := false
	var digits strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case r == '+':
			return "", fmt.Errorf("phone number %q: + may only start the number", raw)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/' || r == '\u00a0':
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			return "", fmt.Errorf("phone number %q contains letters; spell vanity numbers in digits and leave out extensions", raw)
		default:
			return "", fmt.Errorf("phone number %q contains %q, which is not part of a phone number", raw, r)
		}
	}
	d := digits.String()
	if d == "" {
		return "", fmt.Errorf("phone number %q has no digits", raw)
	}

	var intl string // the digits after the +: calling code and national number
	country := strings.ToUpper(strings.TrimSpace(defaultCountry))
	code, known := callingCodes[country]
	switch {
	case plus:
		intl = d
	case country == "":
		return "", fmt.Errorf("phone number %q has no country code (+...) and no default country was given", raw)
	case !known:
		return "", fmt.Errorf("phone number %q: default country %q is not an ISO 3166-1 alpha-2 code this package knows", raw, defaultCountry)
	case code == "1" && strings.HasPrefix(d, "011"):
		intl = d[3:]
	case code != "1" && strings.HasPrefix(d, "00"):
		intl = d[2:]
	default:
		intl = code + national(country, code, d)
	}

	if intl == "" || intl[0] == '0' {
		return "", fmt.Errorf("phone number %q: a country calling code never starts with 0", raw)
	}
	cc := callingCodeOf(intl)
	if cc == "" {
		return "", fmt.Errorf("phone number %q: +%s does not start with a country calling code", raw, intl)
	}
	if n := len(intl); n < 7 || n > 15 {
		return "", fmt.Errorf("phone number %q has %d digits with its country code; E.164 numbers have 7 to 15", raw, n)
	}
	if len(intl)-len(cc) < 4 {
		return "", fmt.Errorf("phone number %q is too short after its country code +%s", raw, cc)
	}
	if cc == "1" {
		// North American plan: area code and number, ten digits; area codes start with 2-9.
		if len(intl) != 11 {
			return "", fmt.Errorf("phone number %q: North American numbers have 10 digits after +1, this has %d", raw, len(intl)-1)
		}
		if intl[1] < '2' {
			return "", fmt.Errorf("phone number %q: North American area codes start with 2 to 9, not %c", raw, intl[1])
		}
	}
	return "+" + intl, nil
}

// national strips the trunk prefix from a national number.
func national(country, code, d string) string {
	switch {
	case code == "1":
		if len(d) == 11 && d[0] == '1' {
			return d[1:]
		}
		return d
	case code == "7":
		if len(d) == 11 && d[0] == '8' {
			return d[1:]
		}
		return d
	case country == "HU":
		if strings.HasPrefix(d, "06") {
			return d[2:]
		}
		return d
	case keepsZero[country]:
		return d
	}
	return strings.TrimPrefix(d, "0")
}

// keepsZero lists countries whose numbers keep their leading 0 in international form.
var keepsZero = map[string]bool{"IT": true, "SM": true, "VA": true, "CI": true, "CG": true}

// callingCodeOf returns the country calling code that intl starts with, or "". Calling codes
// form a prefix code: at most one of the 1-, 2- and 3-digit prefixes is assigned.
func callingCodeOf(intl string) string {
	for n := 1; n <= 3 && n <= len(intl); n++ {
		if assignedCodes[intl[:n]] {
			return intl[:n]
		}
	}
	return ""
}

var assignedCodes = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range callingCodes {
		m[c] = true
	}
	// Non-geographic codes: international freephone, satellite and global services.
	for _, c := range []string{"800", "808", "870", "878", "881", "882", "883", "888", "979"} {
		m[c] = true
	}
	return m
}()

// callingCodes maps ISO 3166-1 alpha-2 codes to ITU-T E.164 country calling codes.
var callingCodes = map[string]string{
	// North American Numbering Plan.
	"US": "1", "CA": "1", "PR": "1", "VI": "1", "GU": "1", "AS": "1", "MP": "1", "AG": "1",
	"AI": "1", "BB": "1", "BM": "1", "BS": "1", "DM": "1", "DO": "1", "GD": "1", "JM": "1",
	"KN": "1", "KY": "1", "LC": "1", "MS": "1", "SX": "1", "TC": "1", "TT": "1", "VC": "1",
	"VG": "1",

	"RU": "7", "KZ": "7",
	"EG": "20", "ZA": "27", "GR": "30", "NL": "31", "BE": "32", "FR": "33", "ES": "34",
	"HU": "36", "IT": "39", "VA": "39", "RO": "40", "CH": "41", "AT": "43", "GB": "44",
	"GG": "44", "JE": "44", "IM": "44", "DK": "45", "SE": "46", "NO": "47", "SJ": "47",
	"PL": "48", "DE": "49",
	"PE": "51", "MX": "52", "CU": "53", "AR": "54", "BR": "55", "CL": "56", "CO": "57",
	"VE": "58",
	"MY": "60", "AU": "61", "CX": "61", "CC": "61", "ID": "62", "PH": "63", "NZ": "64",
	"SG": "65", "TH": "66",
	"JP": "81", "KR": "82", "VN": "84", "CN": "86",
	"TR": "90", "IN": "91", "PK": "92", "AF": "93", "LK": "94", "MM": "95", "IR": "98",
	"SS": "211", "MA": "212", "EH": "212", "DZ": "213", "TN": "216", "LY": "218", "GM": "220",
	"SN": "221", "MR": "222", "ML": "223", "GN": "224", "CI": "225", "BF": "226", "NE": "227",
	"TG": "228", "BJ": "229", "MU": "230", "LR": "231", "SL": "232", "GH": "233", "NG": "234",
	"TD": "235", "CF": "236", "CM": "237", "CV": "238", "ST": "239", "GQ": "240", "GA": "241",
	"CG": "242", "CD": "243", "AO": "244", "GW": "245", "IO": "246", "AC": "247", "SC": "248",
	"SD": "249", "RW": "250", "ET": "251", "SO": "252", "DJ": "253", "KE": "254", "TZ": "255",
	"UG": "256", "BI": "257", "MZ": "258", "ZM": "260", "MG": "261", "RE": "262", "YT": "262",
	"ZW": "263", "NA": "264", "MW": "265", "LS": "266", "BW": "267", "SZ": "268", "KM": "269",
	"SH": "290", "ER": "291", "AW": "297", "FO": "298", "GL": "299",
	"GI": "350", "PT": "351", "LU": "352", "IE": "353", "IS": "354", "AL": "355", "MT": "356",
	"CY": "357", "FI": "358", "AX": "358", "BG": "359", "LT": "370", "LV": "371", "EE": "372",
	"MD": "373", "AM": "374", "BY": "375", "AD": "376", "MC": "377", "SM": "378", "UA": "380",
	"RS": "381", "ME": "382", "XK": "383", "HR": "385", "SI": "386", "BA": "387", "MK": "389",
	"CZ": "420", "SK": "421", "LI": "423",
	"FK": "500", "BZ": "501", "GT": "502", "SV": "503", "HN": "504", "NI": "505", "CR": "506",
	"PA": "507", "PM": "508", "HT": "509", "GP": "590", "BL": "590", "MF": "590", "BO": "591",
	"GY": "592", "EC": "593", "GF": "594", "PY": "595", "MQ": "596", "SR": "597", "UY": "598",
	"CW": "599", "BQ": "599",
	"TL": "670", "NF": "672", "AQ": "672", "BN": "673", "NR": "674", "PG": "675", "TO": "676",
	"SB": "677", "VU": "678", "FJ": "679", "PW": "680", "WF": "681", "CK": "682", "NU": "683",
	"WS": "685", "KI": "686", "NC": "687", "TV": "688", "PF": "689", "TK": "690", "FM": "691",
	"MH": "692",
	"KP": "850", "HK": "852", "MO": "853", "KH": "855", "LA": "856", "BD": "880", "TW": "886",
	"MV": "960", "LB": "961", "JO": "962", "SY": "963", "IQ": "964", "KW": "965", "SA": "966",
	"YE": "967", "OM": "968", "PS": "970", "AE": "971", "IL": "972", "BH": "973", "QA": "974",
	"BT": "975", "MN": "976", "NP": "977", "TJ": "992", "TM": "993", "AZ": "994", "GE": "995",
	"KG": "996", "UZ": "998",
}
