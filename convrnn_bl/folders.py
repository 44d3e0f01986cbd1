"""Building SATBench's image folders (no TensorFlow): the 16-class ImageNet subset and the test data.

- :func:`create_subset_image_directories`: ImageNet ``train/<wnid>/`` -> ``train/<class>/`` and
  ``val/<class>/`` of the 16 classes, with a 10% per-class validation split saved as JSON.
- :func:`reformat_test_data_dir`: the human-experiment folders (``ColorGraySplit/0..4`` ...) ->
  ``{color,grayscale,blur_color,noise_grayscale}/<class>/<name>_exit{i}.<ext>``.
"""
import json
import os
import re
import shutil
import sys
import time

from convrnn_bl.errors import DataError

SIXTEEN_CLASSES = ("airplane", "bear", "bicycle", "bird", "boat", "bottle", "car", "cat", "chair",
                   "clock", "dog", "elephant", "keyboard", "knife", "oven", "truck")
SPLIT_FILE = "0.1-0_val_test_split.json"
# Test folders -> the human-experiment folder they come from, and the file-name filter.
TEST_FOLDERS = {
    "color": ("ColorGraySplit", "_c_"),
    "grayscale": ("ColorGraySplit", "_g_"),
    "blur_color": ("BlurSplit_color", None),
    "noise_grayscale": ("NoiseSplit_gray_contrast0.2", None),
}
N_BLOCKS = 5  # reaction-time blocks 0..4 (500, 900, 1100, 1300, 1500 ms)


class Progress:
    """A dependency-free progress bar for long copies.

    On a terminal it redraws one line; otherwise it prints a line at every 10%.
    """

    def __init__(self, total, label, stream=None, width=30):
        self.total, self.label, self.width = max(int(total), 0), label, width
        self.stream = stream or sys.stdout
        self.count, self.start, self._last_decile = 0, time.time(), -1
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, n=1):
        self.count += n
        fraction = self.count / self.total if self.total else 1.0
        if self.tty:
            filled = int(self.width * fraction)
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
                              f"{self.count}/{self.total}")
            if self.count >= self.total:
                self.stream.write(f" ({time.time() - self.start:.1f} s)\n")
            self.stream.flush()
        else:
            decile = int(fraction * 10)
            if decile > self._last_decile:
                self._last_decile = decile
                self.stream.write(f"{self.label}: {self.count}/{self.total} ({100 * fraction:.0f}%)\n")
                self.stream.flush()


def _copy_all(pairs, label):
    """Copies (source, destination) pairs with a progress bar; returns the failures."""
    failures = []
    progress = Progress(len(pairs), label)
    for source, destination in pairs:
        try:
            shutil.copyfile(source, destination)
        except OSError as err:
            failures.append((source, err))
        progress.update()
    for source, err in failures[:5]:
        print(f"Issue copying {source}: {err.strerror or err}")
    if len(failures) > 5:
        print(f"... and {len(failures) - 5} more files could not be copied")
    return failures


def _visible_files(folder):
    return sorted(f for f in os.listdir(folder)
                  if not f.startswith(".") and os.path.isfile(os.path.join(folder, f)))


# ----------------------------------------------------------------------------- 16-class ImageNet


def read_16class_mapping(experiment_root):
    """{WordNet id: class} from ``experiment_root/image_names/<class>.txt``.

    Each file (from rgeirhos/generalisation-humans-DNNs, ``16-class-ImageNet/image_names``)
    lists ImageNet file names whose first 9 characters are the WordNet id.
    """
    folder = os.path.join(experiment_root, "image_names")
    if not os.path.isdir(folder):
        raise DataError(f"{folder} not found: --experiment_root must contain the image_names/ "
                        f"folder of generalisation-humans-DNNs/16-class-ImageNet")
    files = sorted(f for f in os.listdir(folder) if f.endswith(".txt"))
    if not files:
        raise DataError(f"{folder} has no <class>.txt files")
    mapping = {}
    for file_name in files:
        label = file_name[:-4]
        with open(os.path.join(folder, file_name), encoding="utf8") as f:
            for line in f:
                line = line.strip()
                if line:
                    mapping[line[:9]] = label
    return mapping


def build_path_table(dataset_root, mapping, subdir="train"):
    """Rows (class label, wnid, path) for every image of the mapped wnids, in sorted order.

    Sorting (wnid folders, then files) makes the row indices, and so the saved split,
    reproducible across file systems.
    """
    root = os.path.join(dataset_root, subdir)
    if not os.path.isdir(root):
        raise DataError(f"{root} not found: --dataset_root must be the folder above ImageNet's train/")
    rows = []
    for wnid in sorted(os.listdir(root)):
        folder = os.path.join(root, wnid)
        if wnid in mapping and os.path.isdir(folder):
            rows.extend((mapping[wnid], wnid, os.path.join(folder, f)) for f in _visible_files(folder))
    if not rows:
        raise DataError(f"no images of the 16 classes' WordNet ids under {root}")
    return rows


def split_dataset(rows, val_split=0.1, test_split=0.0):
    """Per class label (in sorted order), the first ``test_split`` of its rows go to test, the
    next ``val_split`` of the rest to val and the remainder to train. Returns row indices."""
    by_label = {}
    for index, (label, _, _) in enumerate(rows):
        by_label.setdefault(label, []).append(index)
    split = {"test": [], "val": [], "train": []}
    for label in sorted(by_label):
        indices = by_label[label]
        n_test = int(len(indices) * test_split)
        n_val = int((len(indices) - n_test) * val_split)
        split["test"] += indices[:n_test]
        split["val"] += indices[n_test:n_test + n_val]
        split["train"] += indices[n_test + n_val:]
    return split


def _load_split(path, n_rows):
    try:
        with open(path, encoding="utf8") as f:
            split = json.load(f)
        indices = [int(i) for key in ("train", "val", "test") for i in split.get(key, [])]
    except (OSError, ValueError, TypeError, AttributeError) as err:
        raise DataError(f"{path} is not a valid split file ({type(err).__name__}); delete it to "
                        f"make a new split") from None
    if len(set(indices)) != len(indices) or (indices and (min(indices) < 0 or max(indices) >= n_rows)):
        raise DataError(f"{path} does not fit this dataset ({n_rows} images): indices out of range "
                        f"or repeated; delete it to make a new split")
    return {key: [int(i) for i in split.get(key, [])] for key in ("test", "val", "train")}


def create_subset_image_directories(dataset_root, experiment_root, new_dataset_root, split_idxs_root):
    """Copies the 16-class subset of ImageNet's train set into ``train/`` and ``val/`` folders.

    The split (row indices into the sorted image table) is read from
    ``split_idxs_root/0.1-0_val_test_split.json`` when that file exists, else made (10% of each
    class to val) and saved there. Returns {"train": n, "val": n, "failed": n}.
    """
    mapping = read_16class_mapping(experiment_root)
    labels = sorted(set(mapping.values()))
    print(f"Super labels: {labels}")
    rows = build_path_table(dataset_root, mapping)

    os.makedirs(split_idxs_root, exist_ok=True)
    split_path = os.path.join(split_idxs_root, SPLIT_FILE)
    if os.path.exists(split_path):
        print(f"Loading split locs from {split_path}")
        split = _load_split(split_path, len(rows))
    else:
        split = split_dataset(rows)
        print(f"Saving split locs to {split_path}")
        with open(split_path, "w", encoding="utf8") as f:
            json.dump(split, f)

    counts, pairs = {}, []
    for part in ("train", "val"):
        for label in labels:
            os.makedirs(os.path.join(new_dataset_root, part, label), exist_ok=True)
        indices = sorted(split[part], key=lambda i: (rows[i][1], i))
        counts[part] = len(indices)
        print(f"# instances in {'training' if part == 'train' else 'val'} dataset: {len(indices)}")
        for i in indices:
            label, _, path = rows[i]
            pairs.append((path, os.path.join(new_dataset_root, part, label, os.path.basename(path))))
    failures = _copy_all(pairs, "Copying images")
    counts["failed"] = len(failures)
    return counts


# ----------------------------------------------------------------------------- human test data


def _class_of(file_name, classes):
    """The class whose name appears in the file name as a word (not inside a longer word)."""
    lower = file_name.lower()
    found = [c for c in classes if re.search(rf"(?<![a-z]){re.escape(c)}(?![a-z])", lower)]
    return found


def _exit_name(file_name, block):
    stem, ext = os.path.splitext(file_name)
    return f"{stem}_exit{block}{ext}"


def reformat_test_data_dir(old_dir, new_dir, classes=SIXTEEN_CLASSES):
    """Rebuilds the human-experiment images as class folders per test condition.

    For each condition of :data:`TEST_FOLDERS` and each reaction-time block ``i`` in 0..4, the
    files of ``old_dir/<experiment>/<i>/`` (for color only names containing ``_c_``, for
    grayscale ``_g_``) are copied to ``new_dir/<condition>/<class>/<name>_exit{i}<ext>``; the
    class is the class name found in the file name. Returns {condition: copied count}.
    """
    if not os.path.isdir(old_dir):
        raise DataError(f"--old_dir {old_dir} is not a folder")
    present = {exp for exp, _ in TEST_FOLDERS.values() if os.path.isdir(os.path.join(old_dir, exp))}
    if not present:
        raise DataError(f"{old_dir} has none of the human-experiment folders "
                        f"{sorted({exp for exp, _ in TEST_FOLDERS.values()})}")
    os.makedirs(new_dir, exist_ok=True)

    pairs, counts, unmatched, ambiguous = [], {}, [], []
    for condition, (experiment, marker) in TEST_FOLDERS.items():
        if experiment not in present:
            print(f"warning: {os.path.join(old_dir, experiment)} not found; skipping {condition}")
            continue
        for cls in classes:
            os.makedirs(os.path.join(new_dir, condition, cls), exist_ok=True)
        counts[condition] = 0
        for block in range(N_BLOCKS):
            block_dir = os.path.join(old_dir, experiment, str(block))
            if not os.path.isdir(block_dir):
                raise DataError(f"{block_dir} not found: each experiment folder needs blocks 0..4")
            for file_name in _visible_files(block_dir):
                if marker is not None and marker not in file_name:
                    continue
                found = _class_of(file_name, classes)
                if len(found) != 1:
                    (ambiguous if found else unmatched).append(os.path.join(block_dir, file_name))
                    continue
                target = os.path.join(new_dir, condition, found[0], _exit_name(file_name, block))
                pairs.append((os.path.join(block_dir, file_name), target))
                counts[condition] += 1
    if unmatched:
        print(f"warning: {len(unmatched)} files name no class and were not copied, e.g. {unmatched[0]}")
    if ambiguous:
        print(f"warning: {len(ambiguous)} files name several classes and were not copied, "
              f"e.g. {ambiguous[0]}")
    failures = _copy_all(pairs, "Copying test images")
    counts["failed"] = len(failures)
    return counts
