package config

import (
	"strings"
	"testing"
)

func TestResponseCacheMB(t *testing.T) {
	env := func(v string) func(string) string {
		return func(name string) string {
			if name == "SQPDASH_RESPONSE_CACHE_MB" {
				return v
			}
			return ""
		}
	}
	c, err := FromEnv(env(""))
	if err != nil || c.ResponseCacheMB != DefaultResponseCacheMB {
		t.Errorf("unset: %d, %v; want %d", c.ResponseCacheMB, err, DefaultResponseCacheMB)
	}
	c, err = FromEnv(env("256"))
	if err != nil || c.ResponseCacheMB != 256 {
		t.Errorf("256: %d, %v", c.ResponseCacheMB, err)
	}
	for _, bad := range []string{"0", "-1", "64MB", "1.5", "65537"} {
		if _, err := FromEnv(env(bad)); err == nil || !strings.Contains(err.Error(), "SQPDASH_RESPONSE_CACHE_MB") {
			t.Errorf("%q: error %v, want one naming SQPDASH_RESPONSE_CACHE_MB", bad, err)
		}
	}
}
