package identity

// WithKeyBits narrows compact keys so tests can force collisions.
func WithKeyBits(n int) func(*Options) { return func(o *Options) { o.keyBits = n } }
