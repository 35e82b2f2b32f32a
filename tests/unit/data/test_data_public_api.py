import forgeml.data as data


def test_public_names_are_pinned():
    assert sorted(data.__all__) == [
        "ColumnSpec",
        "DROPPED_ROLES",
        "DataProfile",
        "FEATURE_ROLES",
        "FeatureProfile",
        "Schema",
        "TargetSpec",
        "coerce_frame",
        "decode_labels",
        "feature_values",
        "fingerprint",
        "infer_schema",
        "make_folds",
        "prediction_values",
        "prepare_training",
        "profile_frame",
        "profile_values",
        "read_table",
    ]
    for name in data.__all__:
        assert getattr(data, name) is not None
