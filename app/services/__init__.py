"""Use cases: each public function is one transaction, called by HTML and API routes alike."""
