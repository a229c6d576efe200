"""S2HAND's task for the generic trainer (:mod:`.task`), its figures (:mod:`.figures`) and its
test-time refinement (:mod:`.refinement`)."""
