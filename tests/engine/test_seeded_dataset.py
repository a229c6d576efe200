"""SeededDataset asks datasets with ``get_for_epoch`` for the epoch's sample."""

from s2hand.engine.sampling import SeededDataset


class _Plain:
    def __len__(self):
        return 3

    def __getitem__(self, index):
        return ("plain", index)


class _ByEpoch(_Plain):
    def get_for_epoch(self, index, epoch):
        return ("epoch", index, epoch)


def test_epoch_reaches_datasets_that_ask_for_it():
    assert SeededDataset(_ByEpoch(), seed=0)[(4, 2)] == ("epoch", 2, 4)
    assert SeededDataset(_Plain(), seed=0)[(4, 2)] == ("plain", 2)
