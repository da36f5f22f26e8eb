#include "base/text_table.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(TextTableTest, AlignsColumnsAndTrimsTrailingBlanks) {
  TextTable table({{"TP", TextTable::Align::kRight}, {"fits", TextTable::Align::kLeft}});
  table.AddRow({"1", "no"});
  table.AddRow({"16", "yes"});
  EXPECT_EQ(table.Render(),
            "TP  fits\n"
            " 1  no\n"
            "16  yes\n");
}

TEST(TextTableTest, CountsMultiByteCharactersAsOneColumn) {
  TextTable table({{"a", TextTable::Align::kLeft}, {"b", TextTable::Align::kLeft}});
  table.AddRow({"×2", "x"});
  table.AddRow({"abc", "y"});
  EXPECT_EQ(table.Render(),
            "a    b\n"
            "×2   x\n"
            "abc  y\n");
}

}  // namespace
}  // namespace tessera
