//! The app's icon, drawn in code (no image decoder needed): a blue rounded
//! square with a white tick, the checklist's mark.

/// The icon as RGBA pixels, `size` × `size`.
pub fn app_icon(size: u32) -> egui::IconData {
    let n = size as f32;
    let mut rgba = Vec::with_capacity((size * size * 4) as usize);
    let radius = n * 0.18;
    // The tick: two strokes, (0.25, 0.52) → (0.43, 0.70) → (0.76, 0.32).
    let points = [(0.25, 0.52), (0.43, 0.70), (0.76, 0.32)];
    let width = n * 0.09;
    for y in 0..size {
        for x in 0..size {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            // Rounded square: distance outside the inner rectangle.
            let dx = (radius - px).max(px - (n - radius)).max(0.0);
            let dy = (radius - py).max(py - (n - radius)).max(0.0);
            let outside = (dx * dx + dy * dy).sqrt() - radius;
            let alpha = (0.5 - outside).clamp(0.0, 1.0);
            let mut tick = f32::MAX;
            for pair in points.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                tick = tick.min(segment_distance(
                    (px, py),
                    (a.0 * n, a.1 * n),
                    (b.0 * n, b.1 * n),
                ));
            }
            let white = (width / 2.0 + 0.5 - tick).clamp(0.0, 1.0);
            let blend = |blue: f32| (blue * (1.0 - white) + 255.0 * white) as u8;
            rgba.extend_from_slice(&[blend(0.0), blend(84.0), blend(166.0), (alpha * 255.0) as u8]);
        }
    }
    egui::IconData {
        rgba,
        width: size,
        height: size,
    }
}

fn segment_distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (abx, aby) = (b.0 - a.0, b.1 - a.1);
    let t = (((p.0 - a.0) * abx + (p.1 - a.1) * aby) / (abx * abx + aby * aby)).clamp(0.0, 1.0);
    let (cx, cy) = (a.0 + t * abx, a.1 + t * aby);
    ((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_icon_is_a_blue_square_with_a_white_tick_and_clear_corners() {
        let icon = super::app_icon(64);
        assert_eq!(icon.rgba.len(), 64 * 64 * 4);
        let at = |x: usize, y: usize| &icon.rgba[(y * 64 + x) * 4..(y * 64 + x) * 4 + 4];
        assert_eq!(at(0, 0)[3], 0, "a corner is transparent");
        assert_eq!(at(5, 32), [0, 84, 166, 255], "the square is blue");
        let on_tick = at((0.43 * 64.0) as usize, (0.70 * 64.0) as usize - 1);
        assert!(on_tick[0] > 200 && on_tick[1] > 200, "{on_tick:?}");
    }
}
