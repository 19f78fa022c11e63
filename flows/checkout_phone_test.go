package flows

import "testing"

// TestNormalizePhone: what a shopper may type at the phone prompt, in a
// shop that sells in roubles (local) and in one that does not.
func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct {
		in    string
		local string // in a shop that sells in roubles; "": refused
		other string // in a shop that does not
	}{
		{in: "+7 999 123-45-67", local: "+79991234567", other: "+79991234567"},
		{in: "+7 (999) 123-45-67", local: "+79991234567", other: "+79991234567"},
		{in: "8 999 123 45 67", local: "+79991234567", other: "+79991234567"},
		{in: "8-999-123-45-67", local: "+79991234567", other: "+79991234567"},
		{in: "89991234567", local: "+79991234567", other: "+79991234567"},
		{in: "79991234567", local: "+79991234567", other: "+79991234567"},
		{in: "+7\u00a0999\u00a0123-45-67", local: "+79991234567", other: "+79991234567"},           // NBSP
		{in: "+7\u202f999\u2009123\u201145\u201167", local: "+79991234567", other: "+79991234567"}, // narrow spaces, non-breaking hyphens
		{in: "8 (999) 123–45–67", local: "+79991234567", other: "+79991234567"},                    // en dashes
		{in: "+7 999 123—45—67", local: "+79991234567", other: "+79991234567"},                     // em dashes
		{in: "999 123 45 67", local: "+79991234567"},
		{in: "9991234567", local: "+79991234567"},
		{in: "+44 7700 900123", local: "+447700900123", other: "+447700900123"},
		{in: "+1 (212) 555-0100", local: "+12125550100", other: "+12125550100"},
		{in: "+7 999 123-45-6"},
		{in: "+7 999 123 45 67 8"},
		{in: "0000000000"},
		{in: "+0 999 123 45 67"},
		{in: "00 44 7700 900123"},
		{in: "212 555 0100"},            // 10 digits, not a Russian mobile: the country code is needed
		{in: "+44 7700 900123 4567 89"}, // 17 digits
		{in: "+7 999 123-45-67 доб. 5"}, // an extension
		{in: "+7 999 123-45-67+"},       // a second plus
		{in: "phone"},
		{in: ""},
	} {
		for _, local := range []bool{true, false} {
			want := tc.other
			if local {
				want = tc.local
			}
			got, ok := normalizePhone(tc.in, local)
			if ok != (want != "") || got != want {
				t.Errorf("normalizePhone(%q, local %v) = %q, %v; want %q", tc.in, local, got, ok, want)
			}
		}
	}
}
