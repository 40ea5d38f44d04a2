package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/apperr"
)

// Errors of Login and Authenticate. The web layer chooses the words shown for each.
var (
	// ErrInvalidCredentials is the one answer for an unknown email, a wrong password and a disabled account,
	// so the login form does not reveal which accounts exist.
	ErrInvalidCredentials = errors.New("incorrect email or password")
	// ErrThrottled means too many failed attempts for this account or address in the last window.
	ErrThrottled = errors.New("too many failed sign-in attempts")
	// ErrBusy means too many sign-ins are being checked at once (HashLimits): the attempt was not made
	// and does not count as a failure.
	ErrBusy = errors.New("too many sign-ins at once")
	// ErrNoSession means the token is missing, unknown, expired or belongs to a disabled user.
	ErrNoSession = errors.New("no valid session")
)

// Store is the storage Service needs; internal/postgres implements it.
type Store interface {
	// UserCredentials returns the user with this normalised email and their password hash, or an
	// apperr.NotFound error.
	UserCredentials(ctx context.Context, email string) (account.User, string, error)
	// MarkLogin records a successful sign-in time.
	MarkLogin(ctx context.Context, userID string, at time.Time) error
	// UpgradePasswordHash replaces the user's hash with newHash only while it is still oldHash, so a
	// password changed meanwhile is not overwritten.
	UpgradePasswordHash(ctx context.Context, userID, oldHash, newHash string) error

	// ReserveLoginAttempt counts the failed attempts since the given time for a's email and address and,
	// when allow accepts the counts, records a as a failed attempt and returns its id. Counting and
	// recording are one step for every process: of concurrent reservations for the same email or
	// address, each sees the ones before it, so a burst cannot slip past the limits.
	ReserveLoginAttempt(ctx context.Context, a account.LoginAttempt, since time.Time, allow func(account.FailureCounts) bool) (id int64, ok bool, err error)
	// SucceedLoginAttempt records that the reserved attempt id succeeded.
	SucceedLoginAttempt(ctx context.Context, id int64) error
	// CancelLoginAttempt removes the reserved attempt id, whose password was never checked.
	CancelLoginAttempt(ctx context.Context, id int64) error

	// CreateSession stores a new session.
	CreateSession(ctx context.Context, s account.Session) error
	// SessionUser returns the session with this token hash and its user (with brands), or apperr.NotFound.
	SessionUser(ctx context.Context, tokenHash []byte) (account.Session, account.User, error)
	// TouchSession sets the session's LastSeenAt.
	TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error
	// DeleteSession removes one session; removing a missing one is not an error.
	DeleteSession(ctx context.Context, tokenHash []byte) error
}

// Config tunes a Service; zero fields take the defaults.
type Config struct {
	Password Params
	Sessions SessionPolicy
	Throttle ThrottlePolicy
	Hashing  HashLimits
	// Now is the clock (tests move it forward to expire sessions).
	Now func() time.Time
	// Cache, when set, keeps valid sessions in the process for a few seconds (SessionCache; it must be
	// subscribed to the event listener, or it stays off).
	Cache *SessionCache
	// KeepHashes turns off the upgrade of a password hash made with old parameters at sign-in. The web
	// server sets it: its database role may not change password hashes (docs/security.md), so a stolen
	// web connection cannot either; `sqpdash users set-password` writes hashes with the new parameters.
	KeepHashes bool
}

// Service signs users in and out and turns a session token back into a User.
type Service struct {
	store    Store
	hasher   *PasswordHasher
	sessions SessionPolicy
	throttle ThrottlePolicy
	gate     *hashGate
	now      func() time.Time
	// keepHashes: Config.KeepHashes.
	keepHashes bool
	// cache: Config.Cache, or nil.
	cache *SessionCache
}

// NewService returns a Service on store with cfg (defaults for zero fields).
func NewService(store Store, cfg Config) (*Service, error) {
	if cfg.Password == (Params{}) {
		cfg.Password = DefaultParams()
	}
	if cfg.Sessions == (SessionPolicy{}) {
		cfg.Sessions = DefaultSessionPolicy()
	}
	if cfg.Throttle == (ThrottlePolicy{}) {
		cfg.Throttle = DefaultThrottlePolicy()
	}
	if cfg.Throttle.PerAccountAllAddresses == 0 {
		cfg.Throttle.PerAccountAllAddresses = 5 * cfg.Throttle.PerAccount
	}
	if cfg.Hashing == (HashLimits{}) {
		cfg.Hashing = DefaultHashLimits()
	}
	if cfg.Hashing.Concurrent < 1 || cfg.Hashing.Queue < 0 || cfg.Hashing.Wait <= 0 {
		return nil, fmt.Errorf("new auth service: hash limits %+v: want at least one slot and a positive wait", cfg.Hashing)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	hasher, err := NewPasswordHasher(cfg.Password)
	if err != nil {
		return nil, fmt.Errorf("new auth service: %w", err)
	}
	return &Service{store: store, hasher: hasher, sessions: cfg.Sessions, throttle: cfg.Throttle,
		gate: newHashGate(cfg.Hashing, int64(hasher.params.Memory)<<10), now: cfg.Now, keepHashes: cfg.KeepHashes, cache: cfg.Cache}, nil
}

// Hasher returns the password hasher, for commands that set passwords.
func (s *Service) Hasher() *PasswordHasher { return s.hasher }

// SessionPolicy returns the policy, so the web layer can give the cookie the same lifetime.
func (s *Service) SessionPolicy() SessionPolicy { return s.sessions }

// Credentials are what a login form submits, plus where it came from.
type Credentials struct {
	Email     string
	Password  string
	IP        string
	UserAgent string
}

// Login checks credentials and, when they are right, opens a new session: a fresh token every time, so a
// token planted before sign-in is never promoted (session fixation). It returns the token for the cookie.
//
// The attempt is reserved (recorded as a failure) before any password work, in the same step as the
// throttle check, so that concurrent attempts count each other; throttled attempts are refused with
// ErrThrottled at that point. The password is then checked in one of the few hashing slots (ErrBusy,
// and the reservation withdrawn, when none frees up in time). Unknown emails, wrong passwords and
// disabled accounts all cost one argon2id verification and return ErrInvalidCredentials.
func (s *Service) Login(ctx context.Context, c Credentials) (string, account.User, error) {
	now := s.now()
	// What a client sends is stored for throttling and auditing: as valid text, whatever it was.
	c.IP, c.UserAgent = storable(c.IP, 64), storable(c.UserAgent, 512)
	email, emailErr := account.NormalizeEmail(c.Email)
	if emailErr != nil {
		email = storable(c.Email, 254)
	}
	attempt := account.LoginAttempt{Email: email, IP: c.IP, At: now}
	id, allowed, err := s.store.ReserveLoginAttempt(ctx, attempt, now.Add(-s.throttle.Window), func(n account.FailureCounts) bool {
		return !s.throttle.Throttled(n)
	})
	if err != nil {
		return "", account.User{}, fmt.Errorf("login %s: %w", email, err)
	}
	if !allowed {
		return "", account.User{}, &ThrottledError{RetryAfter: s.throttle.Window}
	}
	user, ok, err := s.checkPasswordGated(ctx, email, emailErr == nil, c.Password)
	if err != nil {
		// Not a guess that was judged: withdraw it, even when the request has gone away.
		if cerr := s.store.CancelLoginAttempt(context.WithoutCancel(ctx), id); cerr != nil {
			err = errors.Join(err, cerr)
		}
		return "", account.User{}, fmt.Errorf("login %s: %w", email, err)
	}
	if !ok {
		return "", account.User{}, ErrInvalidCredentials
	}
	if err := s.store.SucceedLoginAttempt(ctx, id); err != nil {
		return "", account.User{}, fmt.Errorf("login %s: %w", email, err)
	}
	token, tokenHash, err := NewToken()
	if err != nil {
		return "", account.User{}, fmt.Errorf("login %s: %w", email, err)
	}
	session := account.Session{
		TokenHash: tokenHash, UserID: user.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.sessions.Absolute), IP: c.IP, UserAgent: c.UserAgent,
	}
	if err := s.store.CreateSession(ctx, session); err != nil {
		return "", account.User{}, fmt.Errorf("login %s: %w", email, err)
	}
	if err := s.store.MarkLogin(ctx, user.ID, now); err != nil {
		return "", account.User{}, fmt.Errorf("login %s: %w", email, err)
	}
	user.LastLoginAt = &now
	return token, user, nil
}

// checkPasswordGated checks the password in a hashing slot, and stores it again with the current
// parameters when it matched a hash made with older ones (in the same slot: that is a second hash).
func (s *Service) checkPasswordGated(ctx context.Context, email string, wellFormed bool, password string) (account.User, bool, error) {
	if err := s.gate.acquire(ctx); err != nil {
		return account.User{}, false, err
	}
	defer s.gate.release()
	user, passwordHash, ok, err := s.checkPassword(ctx, email, wellFormed, password)
	if err != nil || !ok {
		return user, ok, err
	}
	if !s.keepHashes && s.hasher.NeedsRehash(passwordHash) {
		if err := s.rehash(ctx, user.ID, passwordHash, password); err != nil {
			return account.User{}, false, err
		}
	}
	return user, true, nil
}

// checkPassword always spends one argon2id verification, whether or not the account exists. It returns
// the stored hash with the user.
func (s *Service) checkPassword(ctx context.Context, email string, wellFormed bool, password string) (account.User, string, bool, error) {
	if !wellFormed {
		s.hasher.VerifyDummy(password)
		return account.User{}, "", false, nil
	}
	user, hash, err := s.store.UserCredentials(ctx, email)
	if apperr.CodeOf(err) == apperr.ENOTFOUND {
		s.hasher.VerifyDummy(password)
		return account.User{}, "", false, nil
	}
	if err != nil {
		return account.User{}, "", false, err
	}
	match, err := s.hasher.Verify(hash, password)
	if err != nil {
		return account.User{}, "", false, fmt.Errorf("verify password of user %s: %w", user.ID, err)
	}
	return user, hash, match && user.Active, nil
}

// rehash stores the just-verified password again with the current parameters: raising DefaultParams
// strengthens every account at its next sign-in.
func (s *Service) rehash(ctx context.Context, userID, oldHash, password string) error {
	newHash, err := s.hasher.Hash(password)
	if err != nil {
		return err
	}
	if err := s.store.UpgradePasswordHash(ctx, userID, oldHash, newHash); err != nil {
		return fmt.Errorf("upgrade password hash of user %s: %w", userID, err)
	}
	return nil
}

// Authenticate returns the user a session token belongs to. An expired session is deleted on the spot.
// With a SessionCache, a session read in the last few seconds is answered from memory (still checked
// against the clock), and LastSeenAt is still written at most once per TouchEvery.
func (s *Service) Authenticate(ctx context.Context, token string) (account.User, error) {
	hash, ok := HashToken(token)
	if !ok {
		return account.User{}, ErrNoSession
	}
	now := s.now()
	var gen uint64
	if s.cache != nil {
		if session, user, ok := s.cache.get(hash, now); ok && s.sessions.Valid(session, now) {
			if s.sessions.NeedsTouch(session, now) && s.cache.claimTouch(hash, now, s.sessions) {
				if err := s.store.TouchSession(ctx, hash, now); err != nil {
					return account.User{}, fmt.Errorf("touch session of user %s: %w", user.ID, err)
				}
			}
			return user, nil
		}
		gen = s.cache.generation()
	}
	session, user, err := s.store.SessionUser(ctx, hash)
	if apperr.CodeOf(err) == apperr.ENOTFOUND {
		return account.User{}, ErrNoSession
	}
	if err != nil {
		return account.User{}, fmt.Errorf("authenticate session: %w", err)
	}
	if !s.sessions.Valid(session, now) || !user.Active {
		if s.cache != nil {
			s.cache.remove(hash)
		}
		if err := s.store.DeleteSession(ctx, hash); err != nil {
			return account.User{}, fmt.Errorf("delete expired session of user %s: %w", user.ID, err)
		}
		return account.User{}, ErrNoSession
	}
	if s.sessions.NeedsTouch(session, now) {
		if err := s.store.TouchSession(ctx, hash, now); err != nil {
			return account.User{}, fmt.Errorf("touch session of user %s: %w", user.ID, err)
		}
		session.LastSeenAt = now
	}
	if s.cache != nil {
		s.cache.put(gen, session, user, now)
	}
	return user, nil
}

// Logout deletes the session server-side, so the token is worthless even if the cookie survives.
func (s *Service) Logout(ctx context.Context, token string) error {
	hash, ok := HashToken(token)
	if !ok {
		return nil
	}
	err := s.store.DeleteSession(ctx, hash)
	if s.cache != nil {
		// After the delete, so that no request of this process finds the session again; the other
		// processes drop it when the delete's notification arrives.
		s.cache.remove(hash)
	}
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// storable makes client input safe to store in a PostgreSQL text column: valid UTF-8 (invalid bytes
// become U+FFFD), no NUL bytes (text cannot hold them), at most n bytes.
func storable(s string, n int) string {
	return truncate(strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", ""), n)
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
