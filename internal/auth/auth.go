// Package auth holds the rules of signing in: who a user is (role, brands), how passwords are hashed, what a
// session token is and when it expires, and when login attempts are throttled. It knows nothing about HTTP
// or SQL: the web layer calls Service, and Service reaches storage through the Store interface it declares.
package auth
