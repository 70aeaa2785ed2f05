import pytest
import torch

from aekit.bottlenecks import create_bottleneck
from aekit.cluster import kmeans
from aekit.errors import ConfigError

CENTERS = torch.tensor([[5.0, 0.0], [-5.0, 0.0], [0.0, 5.0], [0.0, -5.0]])


def blobs(n: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return CENTERS[torch.randint(4, (n,), generator=g)] + 0.1 * torch.randn(n, 2, generator=g)


def test_kmeans_finds_the_blobs():
    c = kmeans(blobs(400), 4, generator=torch.Generator().manual_seed(0))
    dist = torch.cdist(c, CENTERS).min(1).values
    assert dist.max() < 0.1


def test_nearest_entry_and_straight_through_gradient():
    b = create_bottleneck("vq", 1, codebook_size=4, dim=2, kmeans_init=False, ema=False).eval()
    b.codebook.data.copy_(CENTERS)
    h = torch.tensor([[4.0, 1.0], [0.2, -3.0]], requires_grad=True)
    out = b(h)
    assert out.indices.flatten().tolist() == [0, 3]
    torch.testing.assert_close(out.z, CENTERS[[0, 3]])
    out.z.sum().backward()
    torch.testing.assert_close(h.grad, torch.ones(2, 2))  # identity gradient through the rounding
    # commitment pulls the encoder output towards its entry: weight 0.25 times the squared distance
    expected = 0.25 * ((h.detach() - CENTERS[[0, 3]]) ** 2).mean()
    assert float(out.losses["commitment"].detach()) == pytest.approx(float(expected), rel=1e-5)
    assert "codebook" in out.losses  # learned by gradient when not by EMA


def test_kmeans_init_and_ema_put_the_entries_on_the_data():
    b = create_bottleneck("vq", 1, codebook_size=4, dim=2, restart_dead=False).train()
    for step in range(200):
        b(blobs(256, seed=step))
    dist = torch.cdist(b.codebook, CENTERS).min(1).values
    assert dist.max() < 0.05
    assert not b.codebook.requires_grad  # EMA owns the entries


def test_dead_codes_restart_onto_the_data():
    """Entries far from all data are never chosen; restarts move them onto encoder outputs."""
    torch.manual_seed(0)
    def train(restart: bool) -> int:
        b = create_bottleneck("vq", 1, codebook_size=16, dim=2, kmeans_init=False, restart_dead=restart)
        b.codebook.copy_(torch.randn(16, 2) * 0.01 + 100.0)  # all entries far away: only one will be picked
        b.ema_sum.copy_(b.codebook)
        b.train()
        for step in range(300):
            b(blobs(256, seed=step))
        b.eval()
        return int(b(blobs(2000, seed=999)).indices.unique().numel())
    assert train(restart=False) <= 2
    assert train(restart=True) >= 12


def test_usage_info_is_reported():
    b = create_bottleneck("vq", 1, codebook_size=8, dim=2).train()
    info = b(blobs(256)).info
    assert {"perplexity", "usage", "bits"} <= set(info) and info["bits"] == 3.0
    assert 1.0 <= info["perplexity"] <= 8.0


@pytest.mark.parametrize("kw", [{"codebook_size": 1}, {"dim": 0}, {"decay": 1.0}])
def test_bad_options(kw):
    with pytest.raises(ConfigError):
        create_bottleneck("vq", 2, **kw)


def test_per_frame_codes_ignore_padding_in_the_codebook_statistics():
    """A masked sequence batch updates the codebook exactly as its real frames alone would."""
    from aekit.context import Context

    torch.manual_seed(0)
    h = torch.randn(3, 10, 2 * 4)  # (B, T, G*dim): 2 code vectors of 4 per frame
    mask = torch.arange(10)[None, :] < torch.tensor([10, 4, 7])[:, None]
    padded = h.clone()
    padded[~mask] = 1e3  # garbage where there is no frame: it must not reach the codebook

    def make():
        torch.manual_seed(1)
        return create_bottleneck("vq", 2, codebook_size=8, dim=4, decay=0.5).train()

    seq, flat = make(), make()
    torch.manual_seed(2)  # the same draws for k-means initialisation and restarts
    out = seq(padded, Context(), mask=mask)
    torch.manual_seed(2)
    ref = flat(h[mask], Context())  # the 21 real frames as plain vectors
    torch.testing.assert_close(seq.codebook, flat.codebook)
    torch.testing.assert_close(seq.ema_count, flat.ema_count)
    assert out.indices.shape == (3, 10, 2) and torch.equal(out.indices[mask], ref.indices)
    assert (out.z[~mask] == 0).all() and (out.indices[~mask] == 0).all()
    torch.testing.assert_close(out.losses["commitment"], ref.losses["commitment"])
    assert out.info["perplexity"] == ref.info["perplexity"]
