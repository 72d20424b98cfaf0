package meta

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cdpkit/cdpkit"
)

// Error kinds. Every error the package returns matches at most a few of
// these with errors.Is; each also matches one of the categories shared by
// every cdpkit package (cdpkit.ErrInvalid, cdpkit.ErrAccessDenied, …),
// named below, so code handling errors of several packages can test the
// category instead. Use errors.As with [*APIError] for Graph's code,
// subcode and trace id.
var (
	// ErrThrottled: a rate limit was hit (codes 4, 17, 32, 341, 613,
	// 80000-80014). Throttled errors also match ErrTransient: waiting and
	// retrying works. Category cdpkit.ErrThrottled.
	ErrThrottled = cdpkit.NewKind("meta: throttled", cdpkit.ErrThrottled)
	// ErrTransient: retrying the same request later may succeed (HTTP 5xx,
	// non-JSON bodies, connection failures, codes 1 and 2, is_transient;
	// see [APIError.Kinds]). Category cdpkit.ErrUnavailable.
	ErrTransient = cdpkit.NewKind("meta: transient", cdpkit.ErrUnavailable)
	// ErrPermanent: the request will fail the same way if repeated. It
	// says how to react, not what went wrong, so it has no category of
	// its own: a permanent error also matches one of the kinds below.
	ErrPermanent = cdpkit.NewKind("meta: permanent", nil)
	// ErrInvalidInput: the caller's input (schema, rows, options, ids) is
	// wrong; Graph code 100, 105 and 194 also match. Category
	// cdpkit.ErrInvalid.
	ErrInvalidInput = cdpkit.NewKind("meta: invalid input", cdpkit.ErrInvalid)
	// ErrUnauthorized: the access token is invalid or expired (code 190).
	// Category cdpkit.ErrAccessDenied.
	ErrUnauthorized = cdpkit.NewKind("meta: unauthorized", cdpkit.ErrAccessDenied)
	// ErrForbidden: a permission is missing or terms are not accepted
	// (codes 10, 200-299, 294). Category cdpkit.ErrAccessDenied.
	ErrForbidden = cdpkit.NewKind("meta: forbidden", cdpkit.ErrAccessDenied)
	// ErrNotFound: the audience does not exist or is not shared with the
	// caller (100/33, 1487301, 1487366). Category cdpkit.ErrNotFound.
	ErrNotFound = cdpkit.NewKind("meta: not found", cdpkit.ErrNotFound)
	// ErrAudienceRestricted: the audience is flagged and rejects member
	// edits (100/1713230, operation_status 471). Category
	// cdpkit.ErrAccessDenied.
	ErrAudienceRestricted = cdpkit.NewKind("meta: audience restricted", cdpkit.ErrAccessDenied)
	// ErrAudienceBusy: another update or replace is running on the audience
	// (2650/1870145, or a replace already running in this Uploader).
	// Category cdpkit.ErrConflict.
	ErrAudienceBusy = cdpkit.NewKind("meta: audience busy", cdpkit.ErrConflict)
	// ErrReplace: a usersreplace session failed (any other 2650 subcode).
	// After 1870144, 1870147, 1870148 or 1870159 the Uploader deletes the
	// replace's checkpoint: the next call starts the replace again in a
	// new session. Category cdpkit.ErrFailed.
	ErrReplace = cdpkit.NewKind("meta: replace failed", cdpkit.ErrFailed)
	// ErrReplaceNotResumable: a checkpointed replace cannot be continued (its
	// session is older than the replace window, or Meta no longer knows it).
	// Start the replace again without the checkpoint. Category
	// cdpkit.ErrConflict.
	ErrReplaceNotResumable = cdpkit.NewKind("meta: replace not resumable", cdpkit.ErrConflict)
	// ErrConflict: the request names something ambiguous (two audiences
	// with the name EnsureAudience was given). Category cdpkit.ErrConflict.
	ErrConflict = cdpkit.NewKind("meta: conflict", cdpkit.ErrConflict)
	// ErrCheckpoint: the checkpoint does not match this upload (different
	// audience, operation, schema, batch size, or input rows), or it could not
	// be read or written (the storage error stays in the chain with its own
	// category). Category cdpkit.ErrConflict.
	ErrCheckpoint = cdpkit.NewKind("meta: checkpoint", cdpkit.ErrConflict)
)

// Graph error codes and subcodes the package acts on.
const (
	CodeUnknown             = 1
	CodeServiceUnavailable  = 2
	CodeAppRateLimit        = 4
	CodeUserRateLimit       = 17
	CodePageRateLimit       = 32
	CodeInvalidParameter    = 100
	CodeTooManyParameters   = 105
	CodeOAuth               = 190
	CodeMissingParameter    = 194
	CodePermission          = 200
	CodeAppLimit            = 341
	CodeAdAccountRateLimit  = 613
	CodeAudienceUpdate      = 2650
	CodeCustomAudienceLimit = 80003

	SubcodeNotFound             = 33
	SubcodeUploadBlocked        = 1713230
	SubcodeReplaceTooLarge      = 1870144
	SubcodeUpdateInProgress     = 1870145
	SubcodeReplaceNoFirstBatch  = 1870147
	SubcodeReplaceFailed        = 1870148
	SubcodeReplaceTimedOut      = 1870158
	SubcodeReplaceFinished      = 1870159
	SubcodeAudienceUnavailable  = 1487301
	SubcodeAudienceDeleted      = 1487366
	StatusCodeNormal            = 200
	StatusCodeRestricted        = 471
	statusCodeReplaceInProgress = 300
)

// APIError is an error returned by the Graph API: its error envelope, or an
// HTTP failure whose body was not a Graph envelope (then Code is 0). It never
// holds request data.
type APIError struct {
	// HTTPStatus is the HTTP status code of the response.
	HTTPStatus int
	// Code and Subcode are Graph's "code" and "error_subcode".
	Code    int
	Subcode int
	// Type is Graph's "type", e.g. "OAuthException".
	Type string
	// Message is Graph's "message". The Client redacts from it (and from
	// UserTitle and UserMessage) every word that may echo request data:
	// see the package documentation.
	Message string
	// Transient is Graph's "is_transient".
	Transient bool
	// TraceID is Graph's "fbtrace_id", for Meta support.
	TraceID string
	// UserTitle and UserMessage are Graph's "error_user_title" and
	// "error_user_msg".
	UserTitle   string
	UserMessage string
	// Usage holds the rate-limit headers of the response, if any.
	Usage *Usage
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("graph error")
	if e.Code != 0 {
		b.WriteString(" ")
		b.WriteString(strconv.Itoa(e.Code))
		if e.Subcode != 0 {
			b.WriteString("/")
			b.WriteString(strconv.Itoa(e.Subcode))
		}
	}
	if e.HTTPStatus != 0 {
		b.WriteString(" (http ")
		b.WriteString(strconv.Itoa(e.HTTPStatus))
		b.WriteString(")")
	}
	if e.TraceID != "" {
		b.WriteString(" trace ")
		b.WriteString(e.TraceID)
	}
	if e.Message != "" {
		b.WriteString(": ")
		msg := redact(e.Message)
		if len(msg) > 200 {
			cut := 200
			for cut > 0 && !utf8.RuneStart(msg[cut]) {
				cut-- // do not split a character
			}
			msg = msg[:cut] + "..."
		}
		b.WriteString(msg)
	}
	return b.String()
}

// redact replaces, in Graph's message, every word that may be request data,
// in case Meta ever echoes it: words holding "@" (emails), 32 or more hex
// digits (digests, mobile advertiser ids with or without dashes), or 7 or
// more decimal digits (phone numbers; long object ids go too). Words are
// separated by spaces, quotes, brackets and punctuation other than "." "-"
// "_" "+" "@".
func redact(msg string) string {
	var b strings.Builder
	for i := 0; i < len(msg); {
		if isSep(msg[i]) {
			b.WriteByte(msg[i])
			i++
			continue
		}
		j, hexDigits, digits, at := i, 0, 0, false
		for ; j < len(msg) && !isSep(msg[j]); j++ {
			c := msg[j]
			switch {
			case '0' <= c && c <= '9':
				digits++
				hexDigits++
			case 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F':
				hexDigits++
			case c == '@':
				at = true
			}
		}
		if at || hexDigits >= 32 || digits >= 7 {
			b.WriteString("[redacted]")
		} else {
			b.WriteString(msg[i:j])
		}
		i = j
	}
	return b.String()
}

// isSep reports whether c separates words for redact.
func isSep(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '`', ',', ';', ':', '(', ')', '[', ']', '{', '}', '<', '>', '=', '/', '|':
		return true
	}
	return false
}

// Is reports whether e belongs to the kind target (see [APIError.Kinds]) or
// to a kind's shared cdpkit category (a 200 matches cdpkit.ErrAccessDenied).
func (e *APIError) Is(target error) bool {
	for _, k := range e.Kinds() {
		if k == target || errors.Is(k, target) {
			return true
		}
	}
	return false
}

// Kind returns the main category of e: ErrThrottled, ErrTransient,
// ErrAudienceRestricted, ErrAudienceBusy, ErrNotFound, ErrUnauthorized,
// ErrForbidden, ErrInvalidInput, ErrReplace or ErrPermanent.
func (e *APIError) Kind() error { return e.Kinds()[0] }

// Kinds returns every category e matches, the main one first.
//
// Graph's is_transient is honoured: a transient error matches ErrTransient
// instead of ErrPermanent (keeping its other category), except for the
// usersreplace subcodes whose meaning the Uploader acts on (1870144,
// 1870147, 1870158, 1870159).
func (e *APIError) Kinds() []error {
	kinds := e.kinds()
	if !e.Transient || kinds[len(kinds)-1] != ErrPermanent {
		return kinds
	}
	if e.Code == CodeAudienceUpdate {
		switch e.Subcode {
		case SubcodeReplaceTooLarge, SubcodeReplaceNoFirstBatch, SubcodeReplaceTimedOut, SubcodeReplaceFinished:
			return kinds
		}
	}
	return append([]error{ErrTransient}, kinds[:len(kinds)-1]...)
}

func (e *APIError) kinds() []error {
	code, sub := e.Code, e.Subcode
	switch {
	case code == CodeAppRateLimit || code == CodeUserRateLimit || code == CodeAppLimit || code == CodePageRateLimit ||
		code == CodeAdAccountRateLimit || (code >= 80000 && code <= 80014):
		return []error{ErrThrottled, ErrTransient}
	case code == CodeAudienceUpdate && sub == SubcodeUpdateInProgress:
		return []error{ErrAudienceBusy, ErrTransient}
	case code == CodeAudienceUpdate:
		return []error{ErrReplace, ErrPermanent}
	case sub == SubcodeUploadBlocked:
		return []error{ErrAudienceRestricted, ErrPermanent}
	case code == SubcodeAudienceUnavailable || code == SubcodeAudienceDeleted ||
		sub == SubcodeAudienceUnavailable || sub == SubcodeAudienceDeleted ||
		(code == CodeInvalidParameter && sub == SubcodeNotFound):
		return []error{ErrNotFound, ErrPermanent}
	case code == 0 && e.HTTPStatus >= 500, code == CodeUnknown, code == CodeServiceUnavailable:
		return []error{ErrTransient}
	case code == 0 && e.HTTPStatus == 429:
		return []error{ErrThrottled, ErrTransient}
	case code == CodeOAuth, code == 102, code == 0 && e.HTTPStatus == 401:
		return []error{ErrUnauthorized, ErrPermanent}
	case code == 10, code == 294, code >= 200 && code <= 299, code == 0 && e.HTTPStatus == 403:
		return []error{ErrForbidden, ErrPermanent}
	case code == CodeInvalidParameter, code == CodeTooManyParameters, code == CodeMissingParameter:
		return []error{ErrInvalidInput, ErrPermanent}
	}
	return []error{ErrPermanent}
}

// Error is what the package's operations return: the operation, the
// audience, a category and the cause (an [*APIError], a transport error or a
// context error). errors.Is matches the category and the cause's chain.
type Error struct {
	// Op is "add", "remove", "replace", "create audience" or "status".
	Op string
	// Audience is the audience id (or ad account id for create).
	Audience string
	// Batch is the 1-based batch_seq of the failing request, or 0.
	Batch int
	// Kind is one of the Err* categories.
	Kind error
	// Err is the cause.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("meta: ")
	b.WriteString(e.Op)
	if e.Audience != "" {
		b.WriteString(" ")
		b.WriteString(strconv.Quote(e.Audience))
	}
	if e.Batch > 0 {
		b.WriteString(" batch ")
		b.WriteString(strconv.Itoa(e.Batch))
	}
	if e.Kind != nil {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.Kind.Error(), "meta: "))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the category and the cause.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// apiErrorOf returns the *APIError in err's chain, or nil.
func apiErrorOf(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}

// isRetryable reports whether a failed request may be sent again.
func isRetryable(err error) bool {
	return errors.Is(err, ErrTransient) || errors.Is(err, ErrThrottled)
}
