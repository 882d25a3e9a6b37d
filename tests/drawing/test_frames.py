"""Annotated frames and the annotated video, on the synthetic lifter."""

from __future__ import annotations

import math
from dataclasses import replace

import av
import numpy as np
import pytest

from drawing import frames as render
from pipeline.measure.backcurve import BackCurve
from pipeline.types import KP
from tests.support import factories


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return factories.write_synthetic_clip(tmp_path_factory.mktemp("clip") / "lifter.mp4", duration_s=4.0)


@pytest.fixture(scope="module")
def result(clip):
    return factories.synthetic_result(clip)


def _colour_near(image: np.ndarray, xy: tuple[float, float], colour, radius: int = 3) -> bool:
    x, y = int(round(xy[0])), int(round(xy[1]))
    patch = image[max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1].reshape(-1, 3)
    return bool((np.abs(patch.astype(int) - np.array(colour)).sum(axis=1) < 60).any())


def test_annotate_draws_joints_torso_and_arcs_where_the_keypoints_are(result):
    # given a blank frame and the pose at the first rep's bottom
    i = result.reps[0].bottom_i
    xy, conf = result.pose.xy[i], result.pose.conf[i]
    blank = np.zeros((factories.HEIGHT, factories.WIDTH, 3), np.uint8)
    angles = render.FrameAngles(90.0, 30.0, 18.0)
    # when it is annotated
    out = render.annotate(blank, xy, conf, angles, side="right")
    # then the input is untouched, joints are amber dots, the torso is red, arcs are drawn
    assert blank.sum() == 0
    for joint in ("hip", "knee", "ankle", "shoulder"):
        assert _colour_near(out, xy[KP[f"right_{joint}"]], render.JOINT), joint
    mid_torso = (xy[KP["right_hip"]] + xy[KP["right_shoulder"]]) / 2
    assert _colour_near(out, mid_torso, render.TORSO)
    assert (np.abs(out.astype(int) - render.HIP_ARC).sum(axis=2) < 60).sum() > 20
    assert (np.abs(out.astype(int) - render.KNEE_ARC).sum(axis=2) < 60).sum() > 20


def test_annotate_skips_low_confidence_points():
    # given a pose whose points are all below the confidence threshold
    xy = np.full((17, 2), 100.0)
    conf = np.full(17, 0.1)
    blank = np.zeros((200, 200, 3), np.uint8)
    # when annotated, then nothing is drawn
    assert render.annotate(blank, xy, conf, min_conf=0.3).sum() == 0


def test_pose_at_interpolates_between_analysed_frames(result):
    # given two neighbouring analysed frames
    t0, t1 = result.pose.t_s[20], result.pose.t_s[21]
    # when asked for the midpoint
    p = render.pose_at(result, (t0 + t1) / 2)
    # then keypoints and angles are halfway
    hip = KP["right_hip"]
    np.testing.assert_allclose(p.xy[hip], (result.pose.xy[20, hip] + result.pose.xy[21, hip]) / 2, atol=1e-6)
    expected = (result.kinematics.hip_flexion_deg[20] + result.kinematics.hip_flexion_deg[21]) / 2
    assert math.isclose(p.angles.hip_flexion_deg, expected, abs_tol=1e-6)
    # and far outside the analysed span there is no pose
    assert render.pose_at(result, 100.0) is None


def test_key_frames_are_start_bottom_lockout_per_rep(result):
    frames = render.key_frames(result)
    assert [(k.rep, k.moment) for k in frames[:3]] == [(1, "start"), (1, "bottom"), (1, "lockout")]
    assert len(frames) == 3 * len(result.reps)
    assert render.rep_at(result.reps, frames[1].t_s)[1] == "bottom"


def _touch_and_go(result, traced_after_s: float):
    """``result`` with rep 1's bottom pause one instant long and its back traced ``traced_after_s`` later."""
    rep = result.reps[0]
    tight = replace(rep, bottom_start_s=rep.bottom_s, bottom_end_s=rep.bottom_s)
    curve = BackCurve(rep.bottom_s + traced_after_s, np.zeros((0, 2)), np.zeros((2, 2)), np.zeros((2, 2)), 5.0)
    segmentation = replace(result.segmentation, reps=(tight, *result.reps[1:]))
    return replace(result, segmentation=segmentation, back_curves=(curve,)), tight


def test_the_bottom_key_frame_is_the_traced_back_and_its_title_says_bottom():
    # given a touch-and-go rep (its pause one instant) whose back was traced two samples after it
    result, rep = _touch_and_go(factories.synthetic_result(), traced_after_s=0.2)
    # when its key frames are picked
    bottom = next(k for k in render.key_frames(result) if k.rep == 1 and k.moment == "bottom")
    # then the bottom is the traced frame (its back drawn there), and the frame's title calls it the bottom
    assert bottom.t_s == rep.bottom_s + 0.2
    assert render.frame_title(result, bottom.t_s).endswith("Rep 1 · bottom")
    # and the phases on either side are still descent and ascent
    assert render.rep_at(result.reps, rep.bottom_s - 0.3)[1] == "descent"
    assert render.rep_at(result.reps, rep.bottom_s + 0.3)[1] == "ascent"


def test_a_back_traced_far_from_the_bottom_does_not_move_the_bottom_key_frame():
    # given the back traced well up the ascent (0.6 s after the bottom)
    result, rep = _touch_and_go(factories.synthetic_result(), traced_after_s=0.6)
    # when the key frames are picked
    bottom = next(k for k in render.key_frames(result) if k.rep == 1 and k.moment == "bottom")
    # then the bottom key frame stays at a moment the titles call the bottom
    assert render.rep_at(result.reps, bottom.t_s)[1] == "bottom"
    assert abs(bottom.t_s - rep.bottom_s) <= render.BOTTOM_SPAN_S


def test_render_frames_reads_the_clip_and_falls_back_to_a_blank_canvas(result, clip, tmp_path):
    # given the clip on disk, when frames are rendered at two times
    images = render.render_frames(result, [0.5, result.reps[0].bottom_s], clip)
    # then they come back in RGB at the clip's size with the lifter (light pixels) visible
    assert len(images) == 2 and images[0].shape == (factories.HEIGHT, factories.WIDTH, 3)
    assert (images[1] > 200).any()
    # and with the clip missing they are drawn on a dark canvas instead
    missing = render.render_frames(result, [1.0], tmp_path / "gone.mp4")
    assert missing[0].shape[:2] == (factories.HEIGHT, factories.WIDTH) and missing[0][0, -1].max() < 60


def test_write_annotated_video_is_h264_with_every_frame_and_source_timing(result, clip, tmp_path):
    # given the 4 s, 30 fps synthetic clip
    progress: list[float] = []
    # when the annotated video is written
    enc = render.write_annotated_video(result, tmp_path / "annotated.mp4", progress.append, video_path=clip)
    # then it decodes back as H.264 yuv420p with even sides, the same frame count and duration
    assert enc.codec == "libx264" and enc.mime == "video/mp4"
    with av.open(str(enc.path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = list(container.decode(stream))
    assert len(frames) == enc.frames == 120
    assert frames[0].format.name == "yuv420p"
    assert frames[0].width % 2 == 0 and frames[0].height % 2 == 0
    assert frames[-1].time == pytest.approx(119 / 30, abs=0.02)
    # and the moov atom is before the media data (plays while downloading)
    head = enc.path.read_bytes()
    assert head.find(b"moov") < head.find(b"mdat")
    # and the skeleton is drawn in the frames (amber joint dots)
    img = frames[30].to_ndarray(format="bgr24")
    assert (np.abs(img.astype(int) - render.JOINT).sum(axis=2) < 90).sum() > 10
    assert progress[-1] == 1.0 and progress == sorted(progress)
    assert not list(tmp_path.glob("*.part*"))


def test_an_interrupted_writer_does_not_take_a_second_writers_video_with_it(result, tmp_path):
    # given a writer of annotated.mp4 that, halfway, meets a second writer of the same file which is
    # interrupted (a page rerun stops it) and cleans up after itself
    class F:
        def __init__(self, i):
            self.t_s = i / 30
            self.image = np.full((240, 320, 3), 50, np.uint8)

    def stop(_fraction):
        raise KeyboardInterrupt  # what stopping a Streamlit run looks like to the encoder

    def frames():
        for i in range(60):
            if i == 30:
                with pytest.raises(KeyboardInterrupt):
                    render.write_annotated_video(
                        result, tmp_path / "annotated.mp4", stop, frames=(F(k) for k in range(40))
                    )
            yield F(i)

    # when the first writer finishes
    enc = render.write_annotated_video(result, tmp_path / "annotated.mp4", frames=frames())
    # then its video is complete and no part file is left behind
    with av.open(str(enc.path)) as c:
        assert sum(1 for _ in c.decode(video=0)) == enc.frames == 60
    assert not list(tmp_path.glob("*.part*"))


def test_write_annotated_video_downscales_odd_sizes_to_even_and_caps_fps(result, tmp_path):
    # given a tall 60 fps clip with odd dimensions made by the caller
    class F:
        def __init__(self, i):
            self.t_s = i / 60
            self.image = np.full((901, 501, 3), 50, np.uint8)

    enc = render.write_annotated_video(result, tmp_path / "odd.mp4", frames=(F(i) for i in range(30)))
    with av.open(str(enc.path)) as c:
        f = next(c.decode(video=0))
    assert (f.width, f.height) == (500, 900)


def test_vp9_fallback_writes_a_webm_that_decodes(result, clip, tmp_path):
    # given the VP9 fallback forced, when written, then a playable WebM comes out
    enc = render.write_annotated_video(result, tmp_path / "a.mp4", video_path=clip, codec="libvpx-vp9")
    assert enc.path.suffix == ".webm" and enc.mime == "video/webm"
    with av.open(str(enc.path)) as c:
        assert c.streams.video[0].codec_context.name == "vp9"
        assert sum(1 for _ in c.decode(video=0)) == 120


def test_choose_codec_prefers_h264():
    assert render.choose_codec()[0] in ("libx264", "h264", "libopenh264")
    with pytest.raises(RuntimeError):
        render.choose_codec("no-such-encoder")


def test_filming_diagram_is_one_list_of_shapes_drawn_as_svg_and_for_the_pdf():
    from xml.etree import ElementTree

    from drawing.filming import FILMING_DIAGRAM, filming_diagram_svg
    from report.pdf import filming_drawing

    svg = ElementTree.fromstring(filming_diagram_svg())  # well-formed
    drawn = [el.tag.split("}")[-1] for el in svg]
    assert drawn == [s.kind for s in FILMING_DIAGRAM]
    assert [el.text for el in svg if el.text] == [s.label for s in FILMING_DIAGRAM if s.kind == "text"]
    assert len(filming_drawing().contents) == len(FILMING_DIAGRAM)


def test_hand_path_and_mid_foot_line_are_drawn_during_a_rep():
    from drawing.frames import HAND_PATH, annotate_at, midfoot_x_px

    # given the synthetic three-rep set and a moment late in the first rep
    result = factories.synthetic_result()
    rep = result.reps[0]
    t = 0.5 * (rep.bottom_s + rep.lockout_s)
    canvas = np.full((result.pose.image_height, result.pose.image_width, 3), 30, np.uint8)
    # when the frame is annotated
    out = annotate_at(result, canvas, t, title=False)
    # then the mid-foot line is where the metric puts it, and hand-path pixels are drawn
    x = midfoot_x_px(result)
    assert x is not None and 0 <= x < result.pose.image_width
    path = np.all(np.abs(out.astype(int) - np.array(HAND_PATH)) < 60, axis=-1)  # anti-aliased lines
    assert path.sum() > 20
    assert path[:, int(round(x))].sum() > 20  # the dashed mid-foot line
    # and nothing of it on a frame outside any rep
    before = annotate_at(result, canvas.copy(), max(0.0, result.reps[0].start_s - 0.3), title=False)
    assert not np.all(np.abs(before.astype(int) - np.array(HAND_PATH)) < 60, axis=-1).any()
