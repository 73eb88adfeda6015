package password

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	h := Hash("ana-dev-password")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id in PHC form with OWASP's parameters", h)
	}
	if strings.Contains(h, "ana-dev-password") {
		t.Fatal("the hash contains the password")
	}
	if !Verify("ana-dev-password", h) {
		t.Error("the right password does not verify")
	}
	for _, wrong := range []string{"ana-dev-passwore", "", "ANA-DEV-PASSWORD", "ana-dev-password "} {
		if Verify(wrong, h) {
			t.Errorf("%q verifies against the hash of another password", wrong)
		}
	}
	if Hash("ana-dev-password") == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyRefusesMalformedAndOverlong(t *testing.T) {
	long := strings.Repeat("x", 257)
	if Verify(long, Hash(long)) {
		t.Error("a password over 256 bytes verifies")
	}
	h := Hash("ana-dev-password")
	parts := strings.Split(h, "$")
	for name, bad := range map[string]string{
		"empty":       "",
		"argon2i":     strings.Replace(h, "argon2id", "argon2i", 1),
		"huge memory": strings.Replace(h, "m=19456", "m=99999999", 1),
		"no hash":     strings.Join(parts[:5], "$"),
		"bad base64":  strings.Join(append(parts[:5:5], "!!!"), "$"),
		"sha256":      "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
	} {
		if Verify("ana-dev-password", bad) {
			t.Errorf("%s: %q verifies", name, bad)
		}
	}
}
