"""The baseline for bench/train.ts: the original pipeline's training with scikit-learn.

Usage: /usr/bin/python3 bench/sklearn_grid.py DATA.csv [PARAMS_JSON]
Applies the original wrangling rules, splits 60/20/20 with train_test_split, runs
GridSearchCV(RandomForestRegressor(...), grid, cv=KFold(folds), scoring='neg_mean_absolute_error')
(refit on the best), and prints one JSON object: the grid search's wall time, the chosen
parameters, the CV results and the validation metrics.
"""
import json
import sys
import time

import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import max_error, mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import GridSearchCV, KFold, train_test_split

FEATURES = ["Distance (km)", "Average Speed (km/h)", "Calories Burned", "Climb (m)", "Average Heart rate (tpm)"]
TARGET = "Quality"
DEFAULT_PARAMS = {
    "split": {"test_size": 0.2, "val_size": 0.25, "random_state": 42},
    "model": {"n_estimators": 100, "max_features": 1.0, "min_samples_split": 2, "min_samples_leaf": 1, "bootstrap": True},
    "grid": {"max_depth": [1, 2, 3], "random_state": [41, 42, 43, 44]},
    "cv": {"folds": 5},
}


def wrangle(df):
    df = df.copy()
    df.loc[df["Distance (km)"] > 30, "Distance (km)"] = 30
    df.loc[df["Average Heart rate (tpm)"] < 60, "Average Heart rate (tpm)"] = 60
    df["Average Heart rate (tpm)"] = df["Average Heart rate (tpm)"].fillna(df["Average Heart rate (tpm)"].mean())
    df = df.dropna()
    if "Type" in df:
        df["Type"] = df["Type"].replace("Other", "Walking")
    return df[FEATURES + [TARGET]]


def main():
    path = sys.argv[1]
    params = json.loads(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_PARAMS
    df = wrangle(pd.read_csv(path))
    X, y = df[FEATURES], df[TARGET]
    s = params["split"]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=s["test_size"], random_state=s["random_state"])
    X_train, X_val, y_train, y_val = train_test_split(X_train, y_train, test_size=s["val_size"], random_state=s["random_state"])
    model = dict(params["model"])
    max_features = model.get("max_features", 1.0)
    if isinstance(max_features, int) and max_features == 1:
        model["max_features"] = 1.0  # the TypeScript side reads 1 as "all features", like 1.0
    search = GridSearchCV(
        RandomForestRegressor(**model),
        params["grid"],
        cv=KFold(params["cv"]["folds"]),
        scoring="neg_mean_absolute_error",
    )
    t0 = time.perf_counter()
    search.fit(X_train, y_train)
    seconds = time.perf_counter() - t0
    pred = search.best_estimator_.predict(X_val)
    print(json.dumps({
        "seconds": seconds,
        "best_params": search.best_params_,
        "cv_mean_mae": [-v for v in search.cv_results_["mean_test_score"]],
        "metrics": {
            "accuracy": r2_score(y_val, pred) * 100,
            "mean_absolute_error": mean_absolute_error(y_val, pred),
            "mean_squared_error": mean_squared_error(y_val, pred),
            "max_error": max_error(y_val, pred),
        },
        "rows": {"train": len(X_train), "validation": len(X_val), "test": len(X_test)},
    }))


if __name__ == "__main__":
    main()
