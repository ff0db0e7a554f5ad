#include "inkstone/vision/components.hpp"

#include <gtest/gtest.h>

#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

Image from_rows(const std::vector<std::string>& rows) {
  Image img(static_cast<int>(rows[0].size()), static_cast<int>(rows.size()), 1, 0);
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x)
      *img.at(x, y) = rows[static_cast<size_t>(y)][static_cast<size_t>(x)] == '#' ? 200 : 0;
  return img;
}

TEST(ConnectedComponents, EightConnectivityBoxesAreasAndLabels) {
  const Image img = from_rows({
      "##.....#",
      "..#....#",
      "...#....",
      "........",
      ".##..###",
  });
  std::vector<int32_t> labels;
  const std::vector<Component> c = connected_components(img, &labels);
  ASSERT_EQ(c.size(), 4u);
  // Raster order of first pixels: the diagonal stroke, the right bar, then the two bottom ones.
  EXPECT_EQ(c[0].area, 4);  // joined through diagonal neighbours
  EXPECT_EQ(c[0].box.x, 0);
  EXPECT_EQ(c[0].box.width, 4);
  EXPECT_EQ(c[0].box.height, 3);
  EXPECT_EQ(c[1].area, 2);
  EXPECT_EQ(c[1].box.x, 7);
  EXPECT_EQ(c[2].area, 2);
  EXPECT_EQ(c[3].area, 3);
  EXPECT_EQ(labels[0], 0);
  EXPECT_EQ(labels[3 * 8 + 0], -1);
  EXPECT_EQ(labels[4 * 8 + 6], 3);
}

TEST(ConnectedComponents, EmptyImageAndColourRefused) {
  EXPECT_TRUE(connected_components(Image(5, 5, 1, 0)).empty());
  EXPECT_THROW(connected_components(Image(5, 5, 3, 0)), Error);
}

TEST(RemoveHorizontalLines, ErasesLinesButKeepsCrossingStrokes) {
  Image img = from_rows({
      "....#.......",
      "....#.......",
      "############",
      "....#.......",
      "............",
  });
  EXPECT_EQ(remove_horizontal_lines(img, 10), 1);
  EXPECT_EQ(*img.at(0, 2), 0);
  EXPECT_EQ(*img.at(10, 2), 0);
  EXPECT_GT(*img.at(4, 2), 0);  // the vertical stroke crosses the line: kept
  EXPECT_GT(*img.at(4, 0), 0);
  // Runs shorter than min_run and bands thicker than max_thickness are writing, not lines.
  Image thick = from_rows({"##########", "##########", "##########", "..........", "#####....."});
  EXPECT_EQ(remove_horizontal_lines(thick, 6, 2), 0);
  EXPECT_GT(*thick.at(0, 4), 0);
}

}  // namespace
}  // namespace inkstone
