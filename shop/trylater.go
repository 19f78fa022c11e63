package shop

import "errors"

// ErrTryLater says the shop cannot take the request now but will later (its
// disk is full, say): nothing changed, and the shopper is asked to try again
// later. Errors that mean it match it with errors.Is.
var ErrTryLater = errors.New("try again later")
