package zones

import (
	"hash"
	"io"
	"sync"
)

// pipeHasher is a TeeReader into a hash that, once the input is large
// enough to matter, hashes on its own goroutine, so that hashing a large
// ingest overlaps reading and writing it instead of adding to them (SHA-256
// runs at about half the speed of a kernel file copy on the machines we
// measured). The first pipeInline bytes are hashed inline, so small files
// pay for no goroutine and no buffers. Later reads are copied into 1 MiB
// chunks (the caller reuses its buffer after Read returns; small reads are
// gathered) and handed over when full. The goroutine is always joined: by
// sum, or by stop (which PutRaw defers, covering errors and panics in the
// caller's reader). Reads after stop, by a Stager that keeps reading after
// it returned, are passed through unhashed: the digest is already taken.
type pipeHasher struct {
	r io.Reader
	h hash.Hash

	mu      sync.Mutex
	inline  int64 // bytes hashed inline so far
	started bool
	closed  bool
	nbuf    int    // buffers allocated, at most pipeBuffers
	cur     []byte // the chunk being filled
	full    chan []byte
	free    chan []byte
	done    chan struct{}
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
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return n, err
	}
	if !p.started && p.inline+int64(n) <= pipeInline {
		p.h.Write(b[:n])
		p.inline += int64(n)
		return n, err
	}
	p.start()
	for data := b[:n]; len(data) > 0; {
		if p.cur == nil {
			p.cur = p.buffer()
		}
		m := min(len(data), cap(p.cur)-len(p.cur))
		p.cur = append(p.cur, data[:m]...)
		data = data[m:]
		if len(p.cur) == cap(p.cur) {
			p.full <- p.cur
			p.cur = nil
		}
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
			p.free <- b[:0]
		}
	}()
}

// buffer returns an empty chunk buffer, allocating up to pipeBuffers of
// them before waiting for the hashing goroutine to hand one back.
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

// stop hands over the last partial chunk and joins the hashing goroutine,
// if one was started. It is safe to call more than once.
func (p *pipeHasher) stop() {
	p.mu.Lock()
	if p.started && !p.closed {
		if len(p.cur) > 0 {
			p.full <- p.cur
		}
		p.cur = nil
		close(p.full)
	}
	p.closed = true
	started := p.started
	p.mu.Unlock()
	if started {
		<-p.done
	}
}
