// The chart: hand-written SVG, no dependencies. One column per run, sharing the axes:
//   traffic share per deployment (stacked), latency (p50 per deployment, client p99),
//   breaker state bands (with the injected faults marked), failed requests.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "report.hpp"

namespace sim {
namespace {

const char *const kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#edc948",
                                "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#17becf"};
const char *const kClosed = "#dcefdc";
const char *const kOpen = "#d62728";
const char *const kHalfOpen = "#f2b447";
const char *const kFault = "#222222";

const char *Colour(size_t i) {
  return kPalette[i % (sizeof kPalette / sizeof kPalette[0])];
}

}  // namespace

std::string XmlEscape(const std::string &s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 allows no control characters but tab, newline and carriage return.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
    }
  }
  return out;
}

namespace {

std::string F(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

/** A round number >= v (1, 2, 2.5, 5 x 10^k). */
double NiceCeil(double v) {
  if (v <= 0) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * p >= v - 1e-9) return m * p;
  }
  return 10 * p;
}

double NiceStep(double range, int max_ticks) {
  const double raw = range / max_ticks;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= raw) return m * p;
  }
  return 10 * p;
}

std::string Label(double v) {
  if (std::fabs(v - std::round(v)) < 1e-9)
    return std::to_string(static_cast<long long>(std::round(v)));
  return F(v);
}

struct Layout {
  double left = 104, right = 18, plot_w = 520;
  double col_w() const { return left + plot_w + right; }
  double top = 100;    // title and legends
  double header = 40;  // run label and totals
  double share_h = 140;
  double lat_h = 120;
  double row_h = 15;
  double fail_h = 70;
  double gap = 34;  // between panels (panel title)
};

class Svg {
 public:
  std::ostringstream s;
  void Text(double x, double y, const std::string &text, const std::string &attrs = "") {
    s << "<text x=\"" << F(x) << "\" y=\"" << F(y) << "\"" << (attrs.empty() ? "" : " ") << attrs
      << ">" << XmlEscape(text) << "</text>\n";
  }
  void Rect(double x, double y, double w, double h, const std::string &fill,
            const std::string &extra = "") {
    s << "<rect x=\"" << F(x) << "\" y=\"" << F(y) << "\" width=\"" << F(std::max(0.0, w))
      << "\" height=\"" << F(std::max(0.0, h)) << "\" fill=\"" << fill << "\""
      << (extra.empty() ? "" : " ") << extra << "/>\n";
  }
  void Line(double x1, double y1, double x2, double y2, const std::string &stroke,
            const std::string &extra = "") {
    s << "<line x1=\"" << F(x1) << "\" y1=\"" << F(y1) << "\" x2=\"" << F(x2) << "\" y2=\"" << F(y2)
      << "\" stroke=\"" << stroke << "\"" << (extra.empty() ? "" : " ") << extra << "/>\n";
  }
};

}  // namespace

std::string RenderSvg(const Scenario &sc, uint64_t seed, const std::vector<RunResult> &runs) {
  Layout L;
  // Streams that stalled (scenario.hpp, Behaviour::stall_*): a line more under each run's label.
  const bool stalls = std::any_of(runs.begin(), runs.end(), [](const RunResult &r) {
    return r.stalls_before_first_byte + r.stalls_mid_stream > 0;
  });
  if (stalls) L.header += 14;
  const size_t n_dep = sc.deployments.size();
  const size_t n_runs = std::max<size_t>(1, runs.size());
  const size_t buckets = runs.empty() ? 1 : runs[0].bucket_requests.size();
  const double states_h = L.row_h * static_cast<double>(n_dep);
  const double col_h =
      L.header + 14 + L.share_h + L.gap + L.lat_h + L.gap + states_h + L.gap + L.fail_h + 34;
  const double width = L.col_w() * static_cast<double>(n_runs) + 10;
  const double height = L.top + col_h + 10;
  const double T = sc.duration_s;

  // Shared scales.
  std::vector<double> plotted;
  int64_t max_failed = 0;
  for (const RunResult &r : runs) {
    for (size_t b = 0; b < buckets; ++b) {
      max_failed = std::max(max_failed, r.bucket_failed[b]);
      const double p99 = Percentile(r.bucket_client_latencies[b], 0.99);
      if (p99 >= 0) plotted.push_back(p99);
      for (const DeploymentResult &d : r.deployments) {
        const double p50 = Percentile(d.bucket_latencies[b], 0.5);
        if (p50 >= 0) plotted.push_back(p50);
      }
    }
  }
  // The 98th percentile of what is plotted, so that one slow bucket does not flatten the rest
  // (lines above the top are clipped).
  const double lat_max = NiceCeil(std::max(1.0, Percentile(plotted, 0.98) * 1.1));
  const double fail_max = NiceCeil(std::max<double>(1.0, static_cast<double>(max_failed)));
  const double t_step = NiceStep(T, 8);

  Svg svg;
  auto &s = svg.s;
  s << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << F(width) << "\" height=\""
    << F(height) << "\" viewBox=\"0 0 " << F(width) << " " << F(height)
    << "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n";
  s << "<title>" << XmlEscape("llmroute-sim: " + sc.name) << "</title>\n";
  svg.Rect(0, 0, width, height, "#ffffff");
  svg.Text(12, 22,
           "llmroute-sim: " + sc.name + " (seed " + std::to_string(seed) + ", " + Label(T) +
               " s simulated)",
           "font-size=\"15\" font-weight=\"bold\"");
  // The description, wrapped to the width (two lines at most).
  {
    const size_t per_line = std::max<size_t>(60, static_cast<size_t>((width - 24) / 6.2));
    std::string rest = sc.description, line;
    std::vector<std::string> lines;
    while (!rest.empty() && lines.size() < 2) {
      size_t cut = rest.size() <= per_line ? rest.size() : rest.rfind(' ', per_line);
      if (cut == std::string::npos || cut == 0) cut = std::min(rest.size(), per_line);
      lines.push_back(rest.substr(0, cut));
      rest = cut < rest.size() ? rest.substr(cut + 1) : "";
    }
    if (!rest.empty()) lines.back() += " ...";
    for (size_t i = 0; i < lines.size(); ++i) {
      svg.Text(12, 38 + 13 * static_cast<double>(i), lines[i], "fill=\"#555555\"");
    }
  }
  // Legends: deployments, then states.
  double lx = 12;
  for (size_t i = 0; i < n_dep; ++i) {
    svg.Rect(lx, 58, 12, 12, Colour(i));
    svg.Text(lx + 16, 68, sc.deployments[i].name);
    lx += 28 + 6.5 * static_cast<double>(sc.deployments[i].name.size());
  }
  lx = 12;
  const std::pair<const char *, const char *> states[] = {
      {kClosed, "closed"},
      {kOpen, "open (cooling down; naive: marked down)"},
      {kHalfOpen, "half-open (probing)"}};
  for (const auto &st : states) {
    svg.Rect(lx, 76, 12, 12, st.first, "stroke=\"#999999\" stroke-width=\"0.5\"");
    svg.Text(lx + 16, 86, st.second);
    lx += 28 + 6.0 * static_cast<double>(std::string(st.second).size());
  }
  svg.Rect(lx, 80, 12, 4, kFault);
  svg.Text(lx + 16, 86, "injected fault (scenario)");
  lx += 170;
  svg.Line(lx, 82, lx + 14, 82, "#000000", "stroke-width=\"1.5\" stroke-dasharray=\"4 2\"");
  svg.Text(lx + 18, 86, "client p99 latency");

  for (size_t k = 0; k < runs.size(); ++k) {
    const RunResult &r = runs[k];
    const double x0 = static_cast<double>(k) * L.col_w() + L.left;
    const double pw = L.plot_w;
    auto X = [&](double t) { return x0 + pw * std::clamp(t / T, 0.0, 1.0); };
    double y = L.top;

    // Header.
    svg.Text(x0, y + 14, r.label, "font-size=\"14\" font-weight=\"bold\"");
    std::string totals = std::to_string(r.failed) + " of " + std::to_string(r.requests) +
                         " requests failed; client p99 " +
                         Label(std::round(Percentile(r.client_latencies, 0.99))) + " ms";
    svg.Text(x0, y + 28, totals, r.failed > 0 ? "fill=\"#b00000\"" : "fill=\"#2a6f2a\"");
    if (stalls) {
      const std::string line = "stalls: " + std::to_string(r.hung) + " hung, " +
                               std::to_string(r.truncated) + " cut silently; " +
                               std::to_string(r.stall_failovers) + " failovers, " +
                               std::to_string(r.stalled_endings) + " stalled endings; TTFT p99 " +
                               Label(std::round(Percentile(r.client_ttfts, 0.99))) + " ms";
      svg.Text(x0, y + 42, line, r.hung + r.truncated > 0 ? "fill=\"#b00000\"" : "");
    }
    y += L.header;

    auto time_axis = [&](double ybase, bool labels) {
      for (double t = 0; t <= T + 1e-9; t += t_step) {
        svg.Line(X(t), ybase, X(t), ybase + 3, "#666666");
        if (labels) svg.Text(X(t), ybase + 14, Label(t), "text-anchor=\"middle\" fill=\"#444444\"");
      }
      svg.Line(x0, ybase, x0 + pw, ybase, "#666666");
    };
    auto panel_title = [&](double ytop, const std::string &title) {
      svg.Text(x0 - L.left + 8, ytop - 6, title, "font-weight=\"bold\" fill=\"#333333\"");
    };
    auto clip = [&](const std::string &id, double ytop, double h) {
      s << "<clipPath id=\"" << id << "\"><rect x=\"" << F(x0) << "\" y=\"" << F(ytop)
        << "\" width=\"" << F(pw) << "\" height=\"" << F(h) << "\"/></clipPath>\n";
    };
    const double bw = sc.bucket_s;

    // 1. Traffic share per deployment, stacked, one step per bucket.
    panel_title(y + 14, "traffic share (attempts per " + Label(bw) + " s)");
    y += 14;
    const double sy = y, sh = L.share_h;
    svg.Rect(x0, sy, pw, sh, "#f7f7f7");
    std::vector<double> lower(buckets, 0.0);
    for (size_t i = 0; i < n_dep; ++i) {
      std::vector<double> upper(buckets);
      for (size_t b = 0; b < buckets; ++b) {
        int64_t total = 0;
        for (const DeploymentResult &d : r.deployments) total += d.bucket_attempts[b];
        const double share = total > 0 ? static_cast<double>(r.deployments[i].bucket_attempts[b]) /
                                             static_cast<double>(total)
                                       : 0.0;
        upper[b] = lower[b] + share;
      }
      s << "<path fill=\"" << Colour(i) << "\" fill-opacity=\"0.9\" d=\"";
      for (size_t b = 0; b < buckets; ++b) {
        const double t0 = static_cast<double>(b) * bw, t1 = std::min(T, t0 + bw);
        s << (b == 0 ? "M" : "L") << F(X(t0)) << " " << F(sy + sh * (1 - upper[b])) << "L"
          << F(X(t1)) << " " << F(sy + sh * (1 - upper[b]));
      }
      for (size_t b = buckets; b-- > 0;) {
        const double t0 = static_cast<double>(b) * bw, t1 = std::min(T, t0 + bw);
        s << "L" << F(X(t1)) << " " << F(sy + sh * (1 - lower[b])) << "L" << F(X(t0)) << " "
          << F(sy + sh * (1 - lower[b]));
      }
      s << "Z\"><title>" << XmlEscape(sc.deployments[i].name) << "</title></path>\n";
      lower = upper;
    }
    for (int pct = 0; pct <= 100; pct += 25) {
      const double yy = sy + sh * (1 - pct / 100.0);
      svg.Text(x0 - 4, yy + 4, std::to_string(pct) + "%", "text-anchor=\"end\" fill=\"#444444\"");
    }
    time_axis(sy + sh, false);
    y = sy + sh + L.gap;

    // 2. Latency: p50 of successful attempts per deployment, and the client's p99.
    panel_title(y, "latency, ms (p50 per deployment; client p99 dashed)");
    const double ly = y, lh = L.lat_h;
    const std::string clip_id = "lat" + std::to_string(k);
    clip(clip_id, ly, lh);
    svg.Rect(x0, ly, pw, lh, "#f7f7f7");
    const double lstep = NiceStep(lat_max, 4);
    for (double v = 0; v <= lat_max + 1e-9; v += lstep) {
      const double yy = ly + lh * (1 - v / lat_max);
      svg.Line(x0, yy, x0 + pw, yy, "#e0e0e0");
      svg.Text(x0 - 4, yy + 4, Label(v), "text-anchor=\"end\" fill=\"#444444\"");
    }
    auto series = [&](auto value, const std::string &stroke, const std::string &extra,
                      const std::string &title) {
      s << "<path fill=\"none\" stroke=\"" << stroke << "\" " << extra << " clip-path=\"url(#"
        << clip_id << ")\" d=\"";
      bool pen = false;
      for (size_t b = 0; b < buckets; ++b) {
        const double v = value(b);
        if (v < 0) {
          pen = false;
          continue;
        }
        const double t = (static_cast<double>(b) + 0.5) * bw;
        s << (pen ? "L" : "M") << F(X(t)) << " "
          << F(ly + lh * (1 - std::min(v, lat_max * 1.05) / lat_max));
        pen = true;
      }
      s << "\"><title>" << XmlEscape(title) << "</title></path>\n";
    };
    for (size_t i = 0; i < n_dep; ++i) {
      series([&](size_t b) { return Percentile(r.deployments[i].bucket_latencies[b], 0.5); },
             Colour(i), "stroke-width=\"1.5\"", sc.deployments[i].name + " p50");
    }
    series([&](size_t b) { return Percentile(r.bucket_client_latencies[b], 0.99); }, "#000000",
           "stroke-width=\"1.5\" stroke-dasharray=\"4 2\"", "client p99");
    time_axis(ly + lh, false);
    y = ly + lh + L.gap;

    // 3. Breaker state bands, with the scenario's faults underneath.
    panel_title(y, "breaker state (bar: injected fault)");
    const double by = y;
    for (size_t i = 0; i < n_dep; ++i) {
      const double ry = by + L.row_h * static_cast<double>(i);
      svg.Text(x0 - 4, ry + L.row_h - 4, sc.deployments[i].name,
               "text-anchor=\"end\" fill=\"#333333\"");
      svg.Rect(x0, ry + 1, pw, L.row_h - 2, kClosed);
      BandState state = BandState::kClosed;
      double since = 0;
      auto flush = [&](double until) {
        if (state == BandState::kClosed || until <= since) return;
        svg.Rect(X(since), ry + 1, X(until) - X(since), L.row_h - 2,
                 state == BandState::kOpen ? kOpen : kHalfOpen);
      };
      for (const Transition &t : r.transitions) {
        if (static_cast<size_t>(t.deployment) != i) continue;
        flush(t.t_s);
        state = t.to;
        since = t.t_s;
      }
      flush(T);
      for (const UpstreamEvent &e : sc.upstreams[i].events) {
        if (!e.is_fault) continue;
        s << "<rect x=\"" << F(X(e.from_s)) << "\" y=\"" << F(ry + L.row_h - 4) << "\" width=\""
          << F(X(e.to_s) - X(e.from_s)) << "\" height=\"3\" fill=\"" << kFault << "\"><title>"
          << XmlEscape(sc.deployments[i].name + ": " + (e.label.empty() ? "fault" : e.label) +
                       " (" + Label(e.from_s) + "-" + Label(e.to_s) + " s)")
          << "</title></rect>\n";
      }
    }
    time_axis(by + states_h, false);
    y = by + states_h + L.gap;

    // 4. Failed requests per bucket.
    panel_title(y, "failed requests per " + Label(bw) + " s");
    const double fy = y, fh = L.fail_h;
    svg.Rect(x0, fy, pw, fh, "#f7f7f7");
    for (size_t b = 0; b < buckets; ++b) {
      if (r.bucket_failed[b] == 0) continue;
      const double t0 = static_cast<double>(b) * bw;
      const double h = fh * static_cast<double>(r.bucket_failed[b]) / fail_max;
      svg.Rect(X(t0), fy + fh - h, std::max(1.0, X(t0 + bw) - X(t0) - 0.5), h, kOpen);
    }
    svg.Text(x0 - 4, fy + 8, Label(fail_max), "text-anchor=\"end\" fill=\"#444444\"");
    svg.Text(x0 - 4, fy + fh, "0", "text-anchor=\"end\" fill=\"#444444\"");
    time_axis(fy + fh, true);
    svg.Text(x0 + pw, fy + fh + 28, "simulated time, s", "text-anchor=\"end\" fill=\"#444444\"");
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace sim
