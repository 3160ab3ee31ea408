package oversight

// Settle waits for the computations under way, the background refreshes among them.
func (s *Service) Settle() {
	for {
		s.cache.mu.Lock()
		var wait []chan struct{}
		for _, f := range s.cache.flights {
			wait = append(wait, f.done)
		}
		s.cache.mu.Unlock()
		if len(wait) == 0 {
			return
		}
		for _, w := range wait {
			<-w
		}
	}
}
