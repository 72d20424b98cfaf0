package identity

// WithKeyBits narrows compact keys so tests can force collisions.
func WithKeyBits(n int) func(*Options) { return func(o *Options) { o.keyBits = n } }

// WithSplitGroupMin lowers the size from which a rule is grouped in two
// halves, and records are ranked in two halves, so small tests take those
// paths.
func WithSplitGroupMin(n int) func(*Options) { return func(o *Options) { o.splitMin = n } }
