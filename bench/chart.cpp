// bench_chart: grouped bar charts for docs/benchmarks.md, drawn with tenet's own canvas
// (include/tenet/pictures/canvas.hpp), from a small CSV that report.py writes.
//
//   bench_chart <in.csv> <out.png>
//
// Lines of the CSV (no quoting; cells must not contain commas):
//   figure,<title>                         once, first
//   series,<name>,<name>,...               the bars of every group, in order (legend)
//   panel,<title>,<y-axis label>           starts a panel (panels are stacked vertically)
//   group,<label>,<value>,<value>,...      one group of bars; an empty value draws no bar
//   text,<label>,<text>,<text>,...         optional: the text above each bar of that group
//   hline,<value>,<label>                  optional: a dashed reference line in the panel
// Exit status 0 on success, 1 with a message on stderr otherwise.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <tenet/pictures/canvas.hpp>

namespace {

using tenet::pictures::align;
using tenet::pictures::canvas;
using tenet::pictures::rgb;
namespace colours = tenet::pictures::colours;

struct group {
  std::string label;
  std::vector<std::optional<double>> values;
  std::vector<std::string> texts;
};

struct hline {
  double value;
  std::string label;
};

struct panel {
  std::string title, y_label;
  std::vector<group> groups;
  std::vector<hline> lines;
};

struct figure {
  std::string title;
  std::vector<std::string> series;
  std::vector<panel> panels;
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

figure read(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  figure f;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto cells = split(line);
    const std::string& kind = cells[0];
    auto need_panel = [&] {
      if (f.panels.empty()) throw std::runtime_error(path + ":" + std::to_string(number) + ": '" + kind + "' before any 'panel'");
    };
    if (kind == "figure") {
      f.title = cells.size() > 1 ? cells[1] : "";
    } else if (kind == "series") {
      f.series.assign(cells.begin() + 1, cells.end());
    } else if (kind == "panel") {
      f.panels.push_back({cells.size() > 1 ? cells[1] : "", cells.size() > 2 ? cells[2] : "", {}, {}});
    } else if (kind == "group") {
      need_panel();
      group g;
      g.label = cells.size() > 1 ? cells[1] : "";
      for (std::size_t i = 2; i < cells.size(); ++i) {
        if (cells[i].empty()) g.values.emplace_back();
        else g.values.emplace_back(std::stod(cells[i]));
      }
      g.values.resize(f.series.size());
      g.texts.resize(f.series.size());
      f.panels.back().groups.push_back(std::move(g));
    } else if (kind == "text") {
      need_panel();
      auto& groups = f.panels.back().groups;
      if (groups.empty() || groups.back().label != (cells.size() > 1 ? cells[1] : ""))
        throw std::runtime_error(path + ":" + std::to_string(number) + ": 'text' must follow its 'group'");
      for (std::size_t i = 2; i < cells.size() && i - 2 < groups.back().texts.size(); ++i) groups.back().texts[i - 2] = cells[i];
    } else if (kind == "hline") {
      need_panel();
      f.panels.back().lines.push_back({std::stod(cells.at(1)), cells.size() > 2 ? cells[2] : ""});
    } else {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": unknown line kind '" + kind + "'");
    }
  }
  if (f.series.empty()) throw std::runtime_error(path + ": no 'series' line");
  if (f.panels.empty()) throw std::runtime_error(path + ": no 'panel'");
  return f;
}

struct ticks {
  double low, high, step;
  int decimals;
};

/// Round ticks from 0 to at least `high`: steps of 1, 2 or 5 times a power of ten.
ticks nice_ticks(double high, int target) {
  const double raw = high / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  const double step = (norm < 1.5 ? 1.0 : norm < 3.0 ? 2.0 : norm < 7.0 ? 5.0 : 10.0) * magnitude;
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  return {0.0, std::ceil(high / step - 1e-9) * step, step, decimals};
}

std::string number_label(double v, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", std::clamp(decimals, 0, 9), std::fabs(v) < 1e-12 ? 0.0 : v);
  return text;
}

constexpr int width = 1400;
constexpr int margin_left = 110, margin_right = 30;
constexpr int title_height = 44, legend_height = 36;
constexpr int panel_height = 380, panel_top = 40, panel_bottom = 56;

canvas draw(const figure& f) {
  const int height = title_height + legend_height + static_cast<int>(f.panels.size()) * panel_height + 10;
  canvas c(width, height);
  c.text(width / 2, 12, f.title, colours::black, 3, align::center);

  // Legend: a colour box and the name of each series, centred.
  int legend_w = 0;
  for (const auto& s : f.series) legend_w += 18 + 8 + canvas::text_width(s, 2) + 30;
  int x = (width - legend_w) / 2;
  const int ly = title_height + 8;
  for (std::size_t i = 0; i < f.series.size(); ++i) {
    const rgb colour = colours::palette[i % std::size(colours::palette)];
    c.fill_rect(x, ly, 18, 18, colour);
    c.text(x + 26, ly + 2, f.series[i], colours::black, 2);
    x += 18 + 8 + canvas::text_width(f.series[i], 2) + 30;
  }

  for (std::size_t p = 0; p < f.panels.size(); ++p) {
    const panel& pn = f.panels[p];
    const int top = title_height + legend_height + static_cast<int>(p) * panel_height;
    const int plot_top = top + panel_top, plot_bottom = top + panel_height - panel_bottom;
    const int plot_left = margin_left, plot_right = width - margin_right;
    c.text((plot_left + plot_right) / 2, top + 10, pn.title, colours::black, 2, align::center);
    c.text_vertical(12, (plot_top + plot_bottom) / 2, pn.y_label, colours::dark_gray, 2, align::center);

    double top_value = 0.0;
    for (const auto& g : pn.groups)
      for (const auto& v : g.values)
        if (v) top_value = std::max(top_value, *v);
    for (const auto& l : pn.lines) top_value = std::max(top_value, l.value);
    if (top_value <= 0.0) top_value = 1.0;
    const ticks t = nice_ticks(top_value * 1.12, 5);
    auto y_of = [&](double v) {
      return plot_bottom - static_cast<int>(std::lround((v - t.low) / (t.high - t.low) * (plot_bottom - plot_top)));
    };
    for (double v = t.low; v <= t.high + t.step * 1e-6; v += t.step) {
      const int y = y_of(v);
      c.line(plot_left, y, plot_right, y, colours::light_gray);
      c.text(plot_left - 8, y - 7, number_label(v, t.decimals), colours::dark_gray, 2, align::right);
    }
    c.line(plot_left, plot_top, plot_left, plot_bottom, colours::dark_gray);
    c.line(plot_left, plot_bottom, plot_right, plot_bottom, colours::dark_gray);

    const int groups = std::max<int>(1, static_cast<int>(pn.groups.size()));
    const int slot = (plot_right - plot_left) / groups;
    const int series = static_cast<int>(f.series.size());
    const int bar = std::max(4, std::min(70, (slot - 30) / std::max(series, 1)));
    for (int gi = 0; gi < static_cast<int>(pn.groups.size()); ++gi) {
      const group& g = pn.groups[static_cast<std::size_t>(gi)];
      const int centre = plot_left + slot * gi + slot / 2;
      const int first = centre - bar * series / 2;
      for (int s = 0; s < series; ++s) {
        const auto& v = g.values[static_cast<std::size_t>(s)];
        const int bx = first + s * bar;
        const std::string& text = g.texts[static_cast<std::size_t>(s)];
        if (v) {
          const int y = y_of(*v);
          c.fill_rect(bx + 2, y, bar - 4, plot_bottom - y, colours::palette[static_cast<std::size_t>(s) % std::size(colours::palette)]);
          if (!text.empty()) {
            const int scale = canvas::text_width(text, 2) <= bar - 8 ? 2 : 1;
            c.text(bx + bar / 2, y - 4 - canvas::text_height(scale), text, colours::black, scale, align::center);
          }
        } else {
          c.text(bx + bar / 2, plot_bottom - 12, "n/a", colours::gray, 1, align::center);
        }
      }
      c.text(centre, plot_bottom + 10, g.label, colours::black, 2, align::center);
    }
    for (const auto& l : pn.lines) {
      const int y = y_of(l.value);
      c.line(plot_left, y, plot_right, y, colours::red, 2, 6);
      c.text(plot_right - 4, y - 12, l.label, colours::red, 1, align::right);
    }
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: bench_chart <in.csv> <out.png>\n";
    return 2;
  }
  try {
    draw(read(argv[1])).save_png(argv[2]);
  } catch (const std::exception& e) {
    std::cerr << "bench_chart: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
