"""Arnoldi and power iteration on convolutions against dense numpy.linalg references."""
import numpy as np
import pytest

from cordsnet import spectral
from drc.core.errors import UsageError


def _conv(seed, channels=4, positive=False):
    rng = np.random.default_rng(seed)
    kernel = rng.random((3, 3, channels, channels)) if positive else rng.standard_normal((3, 3, channels, channels))
    return spectral.conv_operator(kernel / 6.0)


def test_dense_matrix_is_the_convolution():
    op, shape = _conv(0), (5, 5, 4)
    matrix = spectral.dense_matrix(op, shape)
    x = np.random.default_rng(1).standard_normal(shape)
    np.testing.assert_allclose(matrix @ x.reshape(-1), op(x[None]).reshape(-1), atol=1e-12)


def test_arnoldi_eigenvalues_match_dense_eigvals():
    op, shape = _conv(2), (5, 5, 4)
    dense = np.linalg.eigvals(spectral.dense_matrix(op, shape))
    dense = dense[np.argsort(-np.abs(dense))]
    ritz = spectral.eigenvalues(op, shape, iterations=100, qr_iterations=50)
    assert len(ritz) == 100
    for value in ritz[:10]:
        assert np.abs(dense - value).min() < 1e-4
    np.testing.assert_allclose(np.abs(ritz[:10]), np.abs(dense[:10]), atol=1e-4)


def test_spectral_radius_converges_before_the_full_dimension():
    op, shape = _conv(3, positive=True), (6, 6, 4)
    dense = np.abs(np.linalg.eigvals(spectral.dense_matrix(op, shape))).max()
    assert abs(spectral.spectral_radius(op, shape, iterations=40, qr_iterations=10) - dense) < 1e-4


def test_power_iteration_aligns_signs_instead_of_cancelling():
    op, shape = _conv(4, channels=3, positive=True), (5, 5, 3)
    values, vectors = np.linalg.eig(spectral.dense_matrix(op, shape))
    top = np.real(vectors[:, np.argmax(np.abs(values))])
    vector, value, agreement = spectral.top_eigenvector(op, shape, iterations=300, trials=8, seed=0)
    assert abs(abs(vector.reshape(-1) @ top) - 1.0) < 1e-6
    assert abs(value - np.abs(values).max()) < 1e-6 and agreement > 0.999
    rng = np.random.default_rng(0)
    starts = rng.standard_normal((8, top.size)) @ top
    assert (starts > 0).any() and (starts < 0).any()


def test_area_operator_of_a_model_is_its_recurrent_conv(tiny_model):
    model = tiny_model(depth=2, blank_steps=3, image_steps=2)
    op, shape = spectral.area_operator(model, 1)
    x = np.random.default_rng(5).standard_normal((1, *shape))
    expected = np.asarray(model.area_conv[1](x.astype("float32")))
    np.testing.assert_allclose(op(x), expected, atol=1e-5)
    lin, _ = spectral.area_operator(model, 1, model.spontaneous_state())
    pre = model.pre_activations(model.spontaneous_state(), None, None, model._kernels())[1].numpy()[0]
    np.testing.assert_allclose(lin(x), (pre > 0) * op(x), atol=1e-12)
    spectra = spectral.area_spectra(model, iterations=64, qr_iterations=5)
    assert sorted(spectra) == [0, 1] and len(spectra[0]) == 64


def test_spectrum_report_of_a_checkpoint(tmp_path, fixture_path):
    import json

    from cordsnet.spectrum_report import SpectrumConfig, run_spectrum

    out = tmp_path / "spectrum"
    radius = run_spectrum(SpectrumConfig(checkpoint=fixture_path("r2"), out=str(out), iterations=64, qr_iterations=5,
                                         linearise=True, blank_steps=5))
    assert sorted(radius) == ["DW_spontaneous/0", "DW_spontaneous/1", "W/0", "W/1"]
    saved = json.loads((out / "spectral_radius.json").read_text())
    assert saved["areas"]["W/1"]["spectral_radius"] == radius["W/1"]["spectral_radius"] > 0
    assert (out / "spectrum.png").stat().st_size > 1000
    with pytest.raises(UsageError, match="already holds a run"):
        run_spectrum(SpectrumConfig(checkpoint=fixture_path("r2"), out=str(out)))
