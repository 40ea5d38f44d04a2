package account

import (
	"testing"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

func TestNormalizeEmail(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"lower-cased and trimmed", "  Ann@Example.COM ", "ann@example.com"},
		{"plus addressing kept", "ann+sqp@example.com", "ann+sqp@example.com"},
		{"empty refused", "", ""},
		{"no at sign refused", "ann.example.com", ""},
		{"display name refused", "Ann <ann@example.com>", ""},
		{"two addresses refused", "a@example.com, b@example.com", ""},
		{"script refused", "<script>@example.com", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeEmail(tc.in)
			if tc.want == "" {
				if apperr.CodeOf(err) != apperr.EINVALID {
					t.Errorf("NormalizeEmail(%q) = %q, %v; want an invalid error", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseRole(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Role
	}{{"admin", RoleAdmin}, {"manager", RoleManager}, {"Admin", ""}, {"root", ""}, {"", ""}} {
		got, err := ParseRole(tc.in)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestCanSeeBrand(t *testing.T) {
	const mine, theirs = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
	for _, tc := range []struct {
		name  string
		user  User
		brand string
		want  bool
	}{
		{"admin sees any brand", User{Role: RoleAdmin, Active: true}, theirs, true},
		{"manager sees a granted brand", User{Role: RoleManager, Active: true, BrandIDs: []string{mine}}, mine, true},
		{"manager does not see another brand", User{Role: RoleManager, Active: true, BrandIDs: []string{mine}}, theirs, false},
		{"manager without grants sees nothing", User{Role: RoleManager, Active: true}, mine, false},
		{"disabled admin sees nothing", User{Role: RoleAdmin}, mine, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.user.CanSeeBrand(tc.brand); got != tc.want {
				t.Errorf("CanSeeBrand = %v, want %v", got, tc.want)
			}
		})
	}
}
