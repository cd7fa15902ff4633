"""The customer credit file (客户信用档案) and the credit policy enforced in it: reading the file (every
read audited), who a customer belongs to, finance's receivables records, the company's total cap, the
rules the credit application adds to the generic start and completion paths, and the operations its
diagram calls to read the file's facts and write decisions into it; and the credit calendar's reviews
after the grant (quarterly refresh, monthly review, quarterly summary) with their sheets."""
