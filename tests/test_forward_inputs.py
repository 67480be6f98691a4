"""Bad geometry given to the forward-model helpers is refused with a MonitorError, not used silently."""

import numpy as np
import pytest

from brainnet_cb.errors import MonitorError
from brainnet_cb.forward import montage, project_to_sphere
from brainnet_cb.forward.montage import to_ras


@pytest.mark.parametrize("centre", [5.0, [1.0, 2.0], [0.0, np.nan, 0.0]])
def test_a_centre_that_is_not_one_point_is_refused(centre):
    with pytest.raises(MonitorError, match=r"centre must be one finite point \(x, y, z\) in mm; got"):
        montage("10-20", centre=centre)
    with pytest.raises(MonitorError, match=r"centre must be one finite point"):
        project_to_sphere([[0.0, 0.0, 50.0]], centre=centre)


def test_a_centre_of_shape_1_by_3_is_the_same_point():
    np.testing.assert_array_equal(montage("10-20", centre=[[1.0, 2.0, 3.0]])[1], montage("10-20", centre=[1, 2, 3])[1])


@pytest.mark.parametrize("radius", [-90.0, 0.0, [90.0, 80.0]])
def test_project_to_sphere_refuses_a_radius_that_is_not_a_positive_length(radius):
    # -90 put the point at the antipode, 0 at the centre, an array raised a TypeError
    with pytest.raises(MonitorError, match=r"radius must be a finite length > 0 \(mm\); got"):
        project_to_sphere([[0.0, 0.0, 50.0], [0.0, 50.0, 0.0]], radius=radius)
    assert project_to_sphere([[0.0, 0.0, 50.0]], radius=90.0).tolist() == [[0.0, 0.0, 90.0]]


def test_to_ras_refuses_points_without_three_coordinates():
    with pytest.raises(MonitorError, match=r"positions must be points \(x, y, z\), shape \(3,\) or \(m, 3\); got shape \(2,\)"):
        to_ras([1.0, 2.0], "ALS")
    assert to_ras([[10.0, 20.0, 30.0]], "ALS").tolist() == [[-20.0, 10.0, 30.0]]


def test_dipole_moments_take_areas_densities_and_moments_as_quantities():
    """Quantities raised brainunit's TypeError (also through EEG.sphere(current_density=...)); 10 cm^2 is 1000 mm^2,
    1e-9 A m / mm^2 is 1 nA m / mm^2."""
    import brainunit as u

    from brainnet_cb.forward.dipoles import region_moments

    plain = region_moments(2, areas=[1000.0, 0.0])
    np.testing.assert_allclose(region_moments(2, areas=np.array([10.0, 0.0]) * u.cmeter**2), plain, rtol=1e-15)
    np.testing.assert_allclose(region_moments(2, areas=[1000.0, 0.0],
                                              current_density=1e-9 * u.amp * u.meter / u.mm**2), plain, rtol=1e-15)
    np.testing.assert_allclose(region_moments(2, moment=2.0 * u.uamp * u.meter), [2e-6, 2e-6], rtol=1e-15)
    with pytest.raises(MonitorError, match=r"^areas must be a quantity with the dimension of mm²; got \[1\. 2\.\] mm\. "
                                           r"Pass e\.g\. areas=areas \* u\.mm\*\*2 or a plain number in mm²\.$"):
        region_moments(2, areas=[1.0, 2.0] * u.mm)
    with pytest.raises(MonitorError, match=r"^current_density must be a quantity with the dimension of nA·m/mm²"):
        region_moments(2, current_density=1.0 * u.mA)
