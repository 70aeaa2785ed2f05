import pytest
import torch

from aekit.errors import ConfigError
from aekit.priors import create_prior
from aekit.train import Trainer
from aekit.config import TrainConfig


def test_logits_are_causal():
    p = create_prior(6, 5, {"d_model": 16, "layers": 2, "heads": 2}).eval()
    idx = torch.randint(5, (3, 6))
    changed = idx.clone()
    changed[:, 3] = (changed[:, 3] + 1) % 5
    a, b = p.logits(idx), p.logits(changed)
    torch.testing.assert_close(a[:, :4], b[:, :4])  # position t sees only indices before t
    assert not torch.allclose(a[:, 4:], b[:, 4:])


def test_learns_a_sequence_rule_with_the_one_trainer():
    """Sequences count up from a random start (mod 7): after training, samples follow the rule."""
    g = torch.Generator().manual_seed(0)
    start = torch.randint(7, (600, 1), generator=g)
    data = ((start + torch.arange(8)) % 7).float()
    p = create_prior(8, 7, {"d_model": 32, "layers": 2, "heads": 2, "dropout": 0.0})
    hist = Trainer(TrainConfig(epochs=30, batch_size=64, lr=3e-3, progress=False, patience=None)).fit(p, data)
    assert hist.val_loss[-1] < 0.35  # random guessing: log 7 = 1.95 nats per index
    s = p.sample(200, torch.Generator().manual_seed(1))
    follows = ((s[:, 1:] - s[:, :-1]) % 7 == 1).all(1).float().mean()
    assert follows > 0.9
    lp = p.log_prob(data[:5].long())
    torch.testing.assert_close(-lp / 8, p.eval()(data[:5])["per_sample"])


def test_options_are_checked():
    with pytest.raises(ConfigError, match="d_model"):
        create_prior(4, 4, {"d_model": 30, "heads": 4})
    with pytest.raises(ConfigError, match="Unknown key"):
        create_prior(4, 4, {"layer": 2})
    with pytest.raises(ConfigError, match="temperature"):
        create_prior(4, 4, {}).sample(2, temperature=0)
