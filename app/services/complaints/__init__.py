"""Customer service (第三篇、第四篇、第五篇): complaint cases with gap-free numbers, the case clock and its
督办, the quality committee's 会签, reopening and the monthly statistics and penalty review; phone
inquiries and their daily log; the yearly customer satisfaction survey."""
