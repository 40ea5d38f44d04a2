// Package config holds the settings of one sqpdash process. They come from the environment first and
// can be overridden by each subcommand's flags; the resulting struct is passed down, never kept globally.
package config

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Config is everything a sqpdash subcommand needs to know about its surroundings.
type Config struct {
	// DatabaseURL is the owner connection (schema apply, import, demo). Empty: the private cluster.
	DatabaseURL string
	// WebDatabaseURL is the least-privilege connection the web server uses. Empty: DatabaseURL.
	WebDatabaseURL string
	// ReadDatabaseURLs are PostgreSQL hot standbys of the web database that `serve` sends the dashboard's
	// reads to (docs/replicas.md); empty: every read goes to WebDatabaseURL.
	ReadDatabaseURLs []string
	// ReadMaxLag is the replication lag beyond which a standby takes no reads.
	ReadMaxLag time.Duration
	// DataDir holds the private cluster and other local state.
	DataDir string
	// Addr is the HTTP listen address of `serve`.
	Addr string
	// RefreshEvery is the period of the scheduled refresh; 0 disables it.
	RefreshEvery time.Duration
	// LogFormat is "auto" (JSON unless stderr is a terminal), "json" or "text".
	LogFormat string
	// SecureCookies marks session cookies Secure (set it behind TLS).
	SecureCookies bool
	// TrustProxy trusts X-Forwarded-For and X-Forwarded-Proto from a reverse proxy.
	TrustProxy bool
	// ResponseCacheMB bounds the response cache of `serve` in MiB (web.Options.ResponseCacheBytes); the
	// Go heap's soft limit grows by as much.
	ResponseCacheMB int
}

// DefaultResponseCacheMB is web.DefaultResponseCacheBytes in MiB (docs/performance.md says how it was
// sized); MaxResponseCacheMB rejects a bound that is surely a typo.
const (
	DefaultResponseCacheMB = 64
	MaxResponseCacheMB     = 64 << 10
)

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		DataDir:      ".sqpdash",
		Addr:         "localhost:8080",
		RefreshEvery: time.Hour,
		LogFormat:    "auto",
		ReadMaxLag:   30 * time.Second,

		ResponseCacheMB: DefaultResponseCacheMB,
	}
}

// FromEnv returns Default overridden by the SQPDASH_* and DATABASE_URL environment variables.
// getenv is os.Getenv in production and a map lookup in tests.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Default()
	if v := getenv("DATABASE_URL"); v != "" {
		c.DatabaseURL = v
	}
	if v := getenv("SQPDASH_WEB_DATABASE_URL"); v != "" {
		c.WebDatabaseURL = v
	}
	if v := getenv("SQPDASH_READ_DATABASE_URL"); v != "" {
		c.ReadDatabaseURLs = SplitURLs(v)
	}
	if v := getenv("SQPDASH_READ_MAX_LAG"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("SQPDASH_READ_MAX_LAG=%q: want a positive duration such as 30s or 2m", v)
		}
		c.ReadMaxLag = d
	}
	if v := getenv("SQPDASH_DATA_DIR"); v != "" {
		c.DataDir = v
	}
	if v := getenv("SQPDASH_ADDR"); v != "" {
		c.Addr = v
	}
	if v := getenv("SQPDASH_REFRESH_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return c, fmt.Errorf("SQPDASH_REFRESH_EVERY=%q: want a duration such as 1h, 15m or 0", v)
		}
		c.RefreshEvery = d
	}
	if v := getenv("SQPDASH_RESPONSE_CACHE_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxResponseCacheMB {
			return c, fmt.Errorf("SQPDASH_RESPONSE_CACHE_MB=%q: want a whole number of MiB from 1 to %d", v, MaxResponseCacheMB)
		}
		c.ResponseCacheMB = n
	}
	if v := getenv("SQPDASH_LOG_FORMAT"); v != "" {
		switch v {
		case "auto", "json", "text":
			c.LogFormat = v
		default:
			return c, fmt.Errorf("SQPDASH_LOG_FORMAT=%q: want auto, json or text", v)
		}
	}
	for name, dst := range map[string]*bool{"SQPDASH_SECURE_COOKIES": &c.SecureCookies, "SQPDASH_TRUST_PROXY": &c.TrustProxy} {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return c, fmt.Errorf("%s=%q: want true or false", name, v)
			}
			*dst = b
		}
	}
	return c, nil
}

// SplitURLs splits a list of connection URLs separated by commas and/or white space (neither occurs
// unescaped in a postgres:// URL).
func SplitURLs(list string) []string {
	return strings.FieldsFunc(list, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

// ClusterDir is where the private PostgreSQL cluster lives.
func (c Config) ClusterDir() string { return filepath.Join(c.DataDir, "pg") }
