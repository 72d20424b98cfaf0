package zones

import (
	"hash"
	"io"
)

// pipeHasher is a TeeReader into a hash that, once the input is large
// enough to matter, hashes on its own goroutine, so that hashing a large
// ingest overlaps reading and writing it instead of adding to them (SHA-256
// runs at about half the speed of a kernel file copy on the machines we
// measured). The first pipeInline bytes are hashed inline, so small files
// pay for no goroutine and no buffers. Each chunk handed to the goroutine
// is copied first, because the caller reuses its buffer after Read
// returns. The goroutine is always joined: by sum, or by stop (which
// PutRaw defers, covering errors and panics in the caller's reader).
type pipeHasher struct {
	r      io.Reader
	h      hash.Hash
	inline int64 // bytes hashed inline so far

	started bool
	nbuf    int // buffers allocated, at most pipeBuffers
	full    chan []byte
	free    chan []byte
	done    chan struct{}
	closed  bool
}

const (
	pipeInline    = 1 << 20
	pipeBuffers   = 4
	pipeChunkSize = 1 << 20
)

func newPipeHasher(r io.Reader, h hash.Hash) *pipeHasher {
	return &pipeHasher{r: r, h: h}
}

func (p *pipeHasher) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n <= 0 {
		return n, err
	}
	if !p.started && p.inline+int64(n) <= pipeInline {
		p.h.Write(b[:n])
		p.inline += int64(n)
		return n, err
	}
	if p.closed {
		// Read after stop: hash inline, the goroutine is gone.
		p.h.Write(b[:n])
		return n, err
	}
	p.start()
	for off := 0; off < n; {
		buf := p.buffer()
		m := min(n-off, cap(buf))
		buf = append(buf[:0], b[off:off+m]...)
		p.full <- buf
		off += m
	}
	return n, err
}

func (p *pipeHasher) start() {
	if p.started {
		return
	}
	p.started = true
	p.full = make(chan []byte, pipeBuffers)
	p.free = make(chan []byte, pipeBuffers)
	p.done = make(chan struct{})
	go func() {
		defer close(p.done)
		for b := range p.full {
			p.h.Write(b)
			p.free <- b
		}
	}()
}

// buffer returns a free chunk buffer, allocating up to pipeBuffers of them
// before waiting for the hashing goroutine to hand one back.
func (p *pipeHasher) buffer() []byte {
	select {
	case b := <-p.free:
		return b
	default:
	}
	if p.nbuf < pipeBuffers {
		p.nbuf++
		return make([]byte, 0, pipeChunkSize)
	}
	return <-p.free
}

// sum waits for every byte read so far to be hashed and returns the digest.
func (p *pipeHasher) sum() []byte {
	p.stop()
	return p.h.Sum(nil)
}

// stop joins the hashing goroutine, if one was started. It is safe to call
// more than once.
func (p *pipeHasher) stop() {
	if p.started && !p.closed {
		close(p.full)
	}
	p.closed = true
	if p.started {
		<-p.done
	}
}
