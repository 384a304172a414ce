//! Plain-text tables for the terminal: every column as wide as its widest cell, so columns
//! line up whatever the names and addresses are.

/// The lines of a table with `header` over `rows`, each column two spaces from the next and
/// padded to its widest cell (counted in characters); columns marked in `right` (numbers)
/// are aligned right. No line ends in spaces.
pub fn render<const N: usize>(header: [&str; N], right: [bool; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|title| title.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let lines = std::iter::once(header.map(str::to_owned)).chain(rows.iter().cloned());
    for cells in lines {
        let mut line = String::new();
        for (column, ((cell, width), right)) in cells.iter().zip(widths).zip(right).enumerate() {
            if column > 0 {
                line.push_str("  ");
            }
            let pad = " ".repeat(width - cell.chars().count());
            if right {
                line.push_str(&pad);
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&pad);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn columns_start_at_the_same_offset_on_every_line() {
        let rows = [
            ["7".to_owned(), "Al".to_owned(), "a@x".to_owned()],
            [
                "12".to_owned(),
                "Zoë Bartholomew-Smythe".to_owned(),
                "z@x".to_owned(),
            ],
        ];
        let text = render(["id", "name", "email"], [true, false, false], &rows);
        assert_eq!(
            text,
            "id  name                    email\n\
             \x207  Al                      a@x\n\
             12  Zoë Bartholomew-Smythe  z@x\n"
        );
    }
}
