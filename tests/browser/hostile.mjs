// A hostile host theme, for the browser tests (theme.test.mjs) and bench/widget.sh: global element
// rules of every kind a clinic's theme may have — NetCat 6.4's default template styles
// `button:not(.owl-dot, .owl-next, .owl-prev, .fancybox-button)` red, 18 px, padded 12×24, which
// outweighs a single class — plus `*`, `div`, `span`, `p`, headings and form fields with colours,
// sizes, paddings, borders, min-width, line-height, letter-spacing and text-transform, and rules
// aimed at the widget's own elements without !important. Written for priem, not copied.
export const HOSTILE = `
* { letter-spacing: .08em; line-height: 2.4; text-transform: uppercase; word-spacing: .3em; box-sizing: content-box; }
html { font-size: 11px; }
body { font: italic 19px/2 Georgia, "DejaVu Serif", serif; color: #b00 !important; text-align: center; }
h1, h2, h3, h4 { margin: 30px 0; padding: 6px; border-bottom: 4px double #003; color: #003; font-size: 24px; font-weight: 900; }
span { padding: 2px 6px; border: 1px solid #060; background: #ffc; color: #060; font-size: 22px; }
p, dl, dt, dd { margin: 24px 0; padding: 6px; font-size: 20px; }
a { color: #f0f; font-weight: 900; text-decoration: underline wavy; }
div { min-width: 120px; margin: 3px 0; padding: 7px; border: 1px dashed #888; }
svg { width: 48px; height: 48px; }
form, fieldset { padding: 20px; background: #eee; }
label { display: block; font-size: 24px; }
button:not(.owl-dot, .owl-next, .owl-prev, .fancybox-button) {
  display: inline-block; width: auto; min-width: 150px; padding: 12px 24px; border: 2px solid #fff; border-radius: 5px;
  background-color: #d0021b; color: #fff; font-family: Georgia, serif; font-size: 18px; line-height: 3;
  letter-spacing: 4px; text-transform: uppercase; cursor: pointer;
}
button:hover { background-color: #8b0012; }
button[disabled] { opacity: .2; }
input, select, textarea {
  width: 100%; min-width: 320px; padding: 14px 16px; border: 3px solid #f80; border-radius: 0;
  background: #ffe; color: #840; font-size: 22px; line-height: 3;
}
textarea { min-height: 150px; }
.priem-widget, .priem-dialog-host { width: 50%; padding: 40px; border: 6px solid #f0f; background: #ff0; font-size: 30px; }
`;
