"""Rules that raise the share of cards a person keeps (``make sample``).

Each rule is shown on short fragments, in our own words, shaped like what two authors
wrote: the kernel and virtualization notes of ``../shared/corpus`` (whose author also
wrote the labelled ``seed`` and ``dev`` notes), the course notes of ``dev2/xestray`` and
the English ``dev2/til`` notes.
"""

from __future__ import annotations

import pytest

from cards.draft import Draft
from cards.extract import extract_note


def cards(text: str) -> list[Draft]:
    return extract_note(text, "note.md")


def fronts(text: str) -> list[tuple[str, str]]:
    return [(d.kind, d.front) for d in cards(text)]


# --- attribute terms get their subject -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "front"),
    [
        # course notes: the pros of a method, under the method's heading
        ("## 二分法\n\n- **优点**：\n    - 只要求函数连续\n    - 一定收敛\n", "二分法 的优点"),
        # course notes: the cons of the same method, as prose
        ("## 二分法\n\n- **缺点**：收敛较慢，也找不到复根\n", "二分法 的缺点"),
        # kernel notes: an English attribute under a lecture's heading
        (
            "## Distributed File Systems\n\nAdvantage: no network traffic while the file is open\n",
            "Distributed File Systems 的 Advantage",
        ),
        # kernel notes: the advantage of a kind of target, nested in its item
        (
            "- bio-based 目标 (主流)\n  - 优势：与 blk-mq 集成，路径短，延迟低\n",
            "bio-based 目标 的优势",
        ),
        # kernel notes: a reference type's lifetime, under a numbered heading
        (
            "### 1. `&T`（共享引用）\n- **生命周期**：必须有明确的生命周期，编译时检查\n",
            "`&T` 的生命周期",
        ),
        # kernel notes: an algorithm, in a paragraph under the algorithm's heading
        ("## Bellman-Ford\n算法：用所有的边依次更新距离，更新 V - 1 次\n", "Bellman-Ford 的算法"),
    ],
)
def test_an_attribute_term_gets_its_subject(text: str, front: str) -> None:
    assert front in [f for _, f in fronts(text)]


@pytest.mark.parametrize(
    ("text", "front"),
    [
        # an attribute with a modifier before it (核心作用, 关键设计) is still a side of what
        # the heading names
        ("## struct foo_dev\n\n**核心作用**：描述阵列里的一个成员盘\n",
         "struct foo_dev 的核心作用"),
        ("## 可抢占 RCU\n\n**关键设计**：\n\n- 读者可被抢占\n- 阻塞的读者排队\n",
         "可抢占 RCU 的关键设计"),
        # a lead-in that is an attribute and a copula (大致流程是：) asks for that attribute
        ("## 块设备的备份\n\n大致流程是：\n\n- 建立位图\n- 复制数据块\n",
         "块设备的备份 的大致流程"),
        ("## Option<T>\n\n含义是：\n\n- 有一个值\n- 或者什么都没有\n", "Option<T> 的含义"),
        # 行为 ends in 为 but is a word of its own, not 行 and a copula
        ("## foo_read\n\n行为：\n\n- 到文件末尾时返回 0\n- 出错时返回负数\n", "foo_read 的行为"),
    ],
)
def test_an_attribute_with_a_modifier_or_a_copula_gets_its_subject(
    text: str, front: str
) -> None:
    assert front in [f for _, f in fronts(text)]


@pytest.mark.parametrize(
    "text",
    [
        # no heading: nothing says whose flow or meaning it is
        "大致流程是：\n\n- 建立位图\n- 复制数据块\n",
        "**核心启示**：排序比时间更要紧\n",
        # a heading that names a kind of section, not a thing (an explanation, a summary,
        # a recollection), or holds a link, is no subject either
        "## kimi 解释\n\n意思是：\n\n- 先停下来\n- 再继续\n",
        "## 背景介绍\n\n典型使用场景：\n\n- 加密\n- 摘要\n",
        "## 回忆一下迁移的切换过程\n\n关键区别是：\n\n- 谁先跑\n- 谁后跑\n",
        "## Memory Window : https://example.org/p/1\n\n核心目的就是：\n\n- 授权\n- 撤销\n",
    ],
)
def test_an_attribute_without_a_subject_is_no_card(text: str) -> None:
    assert fronts(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "- 优势：路径短，延迟低，性能高\n",  # no heading, no item: an advantage of nothing
        "## 为什么要用它?\n\n- 作用：确保启动行为完全可控\n",  # the heading asks
    ],
)
def test_an_attribute_term_without_a_subject_is_no_card(text: str) -> None:
    assert not [f for k, f in fronts(text) if k != "question"]


def test_a_named_term_keeps_its_name() -> None:
    # course notes: `src` and 形态比 are names, not sides of something
    text = "## 几何特性\n\n- 形态比：最小外接矩形的长与宽之比\n- `src`：输入的单通道灰度图像\n"
    assert fronts(text) == [("definition", "形态比"), ("definition", "`src`")]


# --- program output and "don't know" are no answer ----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # kernel notes: a benchmark's numbers and a shrug under a heading question
        "## 为什么 guest 里只有 1400k IOPS\n\n每秒 5000 次 exit，不知道发生了什么\n"
        "```txt\n[global]\niodepth=128\n```\n不明白这几个都是在做啥\n",
        # kernel notes: a lead-in and the stack it printed
        "## 为什么频繁调用 mark_dirty\n物理机中调用的是这个:\n"
        "```txt\n@[\n    mark_dirty+5\n]: 14299\n```\n",
        # kernel notes: a log quoted under a question, nothing said about it
        "## 这个日志是什么意思\n\n[    1.503602] input: AT keyboard as /devices/input1\n",
        # a question in a paragraph, answered only by "I don't know"
        "Why does the second run take longer?\n\nI don't know yet.\n",
        # shape seen in other authors' public notes on GitHub (Next.js caching notes): a
        # guess at how it works, and a shrug after it
        "- 靠 URL 和参数命中缓存吗？不知道\n",
    ],
)
def test_output_and_not_knowing_are_no_answer(text: str) -> None:
    (d,) = [d for d in cards(text) if d.kind == "question"]
    assert d.answer_lines is None


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        # English notes: a command in a plain fence, then what it shows
        (
            "# What Is On The Runtime Path?\n\n```\n:set rtp\n```\n\n"
            "This shows the list of runtime paths.\n",
            (3, 7),
        ),
        # kernel notes: source code in a fence of its language answers
        ("## 如何清空仓库\n```sh\nrm -rf .git\ngit init\n```\n", (2, 5)),
    ],
)
def test_commands_code_and_prose_still_answer(text: str, answer: tuple[int, int]) -> None:
    (d,) = [d for d in cards(text) if d.kind == "question"]
    assert d.answer_lines == answer


# --- a rhetorical reply is no answer ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # kernel notes: a question in a quote, then a musing that pushes it further
        "> prefill 可以批量化吗 ?\n>\n> mmap 可以指向已映射的地址，那么岂不是要创建大量 vma\n",
        # kernel notes: a rust question, then a guess that asks back
        "- `mod a;` 是什么意思?\n\n似乎一个文件就是一个模块，那么这岂不是模块中也有模块了。\n",
        # kernel notes: the reply on the question's own line asks back
        "它为何这样设计 ? 难道不可以用页表来记录吗\n",
        # shapes seen in other authors' public notes on GitHub (a JVM blog post, Flutter
        # rendering notes): the reply on the question's line asks back
        "这个对象不就会变成 24 字节吗？那岂不是浪费空间了？\n",
        "不是标脏吗？ 难道不是等 vsync 信号再重绘？\n",
    ],
)
def test_a_rhetorical_reply_is_no_answer(text: str) -> None:
    (d,) = [d for d in cards(text) if d.kind == "question"]
    assert d.answer_lines is None


# --- a verdict is no lead-in -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # kernel notes: an English remark before two function names
        "The keyboard driver is really interesting :\n1. init function i8042_setup\n"
        "2. interrupt function atkbd_irq\n",
        # kernel notes: praise for a comment, then what it says
        "translate_internal 中的注释解释很不错:\n- 先找到 section\n- 再做地址转换\n",
        # kernel notes: a job post's plus points
        "掌握以下技能将会大大加分：\n- 熟悉 x86 汇编\n- 有编译器开发经验\n",
        # kernel notes: a warning that something breaks
        "但一旦后端支持乱序处理，就会有问题:\n- used ring 中的顺序变了\n- 恢复时不知道哪些完成了\n",
        # shape seen in other authors' public notes on GitHub (a blog post on lua coroutines,
        # notes on building mkl-dnn): an opinion with a count, a verdict on a document
        "但我觉得这两种方式都有点问题：\n\n- lua_callk 适用范围有限\n- Coro 给每个协程一个 C 栈\n",
        "这个文档内容有点问题：\n- 编译命令看 readme\n- 先配置环境变量\n",
    ],
)
def test_a_verdict_before_a_list_is_no_list_card(text: str) -> None:
    assert [k for k, _ in fronts(text) if k == "list"] == []


@pytest.mark.parametrize(
    "text",
    [
        # book notes: a count keeps it a list to learn
        "There are two situations where this kind of loading is useful:\n"
        "- a driver for a device that is rarely used\n- a module added after boot\n",
        # kernel notes: a preference is a noun, not a verdict
        "文档强调一个排序偏好：\n- 有意的数据竞争用 READ_ONCE\n- 其余用锁\n",
    ],
)
def test_a_count_or_a_noun_keeps_the_list_card(text: str) -> None:
    assert [k for k, _ in fronts(text) if k == "list"] == ["list"]


# --- a numbered label is no term ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "场景 1：标记 unsync，也就是写保护的传播\n",  # kernel notes: cases of one mechanism
        "- 步骤 2 : 扩展文件系统，再调整分区大小\n",  # kernel notes: steps of a procedure
        "第三步：下载驾校的 APP，登入后找到我的学时\n",  # labelled dev notes (a "may" label)
        "Method 1: read the EFI configuration tables first\n",  # kernel notes, English
        # course notes: a lecture's number and its title
        "Chap 2: Solutions of equations in one variable, by iteration\n",
    ],
)
def test_a_numbered_label_is_no_term(text: str) -> None:
    assert [k for k, _ in fronts(text) if k in ("definition", "list")] == []


def test_a_term_with_a_number_stays_a_term() -> None:
    # kernel notes: a layer is a name, not a step
    assert fronts("- Layer 2：直接收发以太网帧的一层\n") == [("definition", "Layer 2")]


# --- a few English words with a question mark are an aside ----------------------------


@pytest.mark.parametrize(
    "text",
    [
        "> 1. unique number ?\n> 2. second root hub ?\n",  # kernel notes, beside a book's text
        "- [ ] `kvm_trap_cop_unusable` : use unusable cpu ?\n",  # kernel notes, a to-do
        "> excuse me ?\n",  # kernel notes, on a book's claim
        "> ticket spinlock ? 什么鬼东西 ?\n",  # kernel notes: the rest remarks on the aside
        "  * Excuse me? \n",  # shape seen in other authors' public notes (climate model notes)
    ],
)
def test_a_short_english_aside_is_no_question(text: str) -> None:
    assert fronts(text) == []


@pytest.mark.parametrize(
    ("text", "front"),
    [
        # English notes: a short question that asks (a verb, a question word)
        (
            "Want to view the aggregate changes? Open the commit window.\n",
            "Want to view the aggregate changes?",
        ),
        (
            "How do we see what is on the runtime path?\n",
            "How do we see what is on the runtime path?",
        ),
        ("- gc0 is coproc ?\n", "gc0 is coproc ?"),  # kernel notes, a verb
        ("- r1conf::pending_bio_list ?\n", "r1conf::pending_bio_list ?"),  # a name from code
    ],
)
def test_a_short_question_that_asks_stays(text: str, front: str) -> None:
    assert ("question", front) in fronts(text)


# --- "question: (aside)" is no definition ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # kernel notes: an outline's title, then a note to self in brackets
        "用户需要怎样执行程序: (调查一下相关的 syscall 都是什么)\n1. 容器\n2. 调度器\n",
        "tls : (使用了什么优化，没看懂，见 TLS_MODEL)\n",  # kernel notes, a remark on a flag
        "- 含有 overlap : (与我 overlap 的多个 write 是否互相重叠)\n",  # corpus, a lecture
        # shapes seen in other authors' public notes on GitHub (on Megatron-LM, on Java, on libsvm)
        "- PP 获取需要执行的层数：（没看懂）\n",
        "动态代理：（没看懂，也不是日常使用的工具）\n",
        "5. -r coef0 : (应该是多项式核函数括号里的 +c) (默认是 0)\n",
    ],
)
def test_a_bracketed_aside_after_a_colon_is_no_definition(text: str) -> None:
    assert [k for k, _ in fronts(text) if k == "definition"] == []


def test_a_gloss_in_brackets_before_the_explanation_stays() -> None:
    # course notes: the bracket glosses the term, the explanation follows
    text = "- **截断误差（truncation error）**：用有限项之和近似无穷级数所引入的误差。\n"
    assert fronts(text) == [("definition", "截断误差（truncation error）")]


# --- a term cut inside a bracket is no term ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'commit 7f1101a0a181 ("userfaultfd: fix a crash in the move ioctl")\n',  # kernel notes
        "- `ram_save_host_page`（migration/ram.c:2216）：发送一个 host page\n",  # kernel notes
        "(似乎是这么回事啊，这个总结的东西)\n",  # kernel notes: a remark in brackets
        "- ept_fetch : (应该是遍历 guest page table 的)\n",  # kernel notes
        # the same cut where other people's write-ups list the commits they cite
        '- 3f2e1d0c9b8a ("mm: avoid a race in the fault path")\n',
    ],
)
def test_a_term_cut_inside_a_bracket_is_no_term(text: str) -> None:
    assert [k for k, _ in fronts(text) if k == "definition"] == []


@pytest.mark.parametrize(
    ("line", "term"),
    [
        # course notes: a term glossed in brackets
        (
            "- 欧几里得距离 (Euclidean Distance)：两点之间的直线距离\n",
            "欧几里得距离 (Euclidean Distance)",
        ),
        # kernel notes: the same shape
        ("- **数据链路层（Layer 2）**：直接收发以太网帧的一层\n", "数据链路层（Layer 2）"),
    ],
)
def test_a_term_with_a_closed_gloss_stays(line: str, term: str) -> None:
    assert fronts(line) == [("definition", term)]


# --- an offer to the reader is no question -----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # notes that keep a pasted conversation: its closing offer
        "需要我展示 `tcsetattr` 如何从 glibc 调用到内核的完整路径吗？\n",
        "你想了解一下在没有 tdp_mmu 的时代，mmu_lock 竞争如何导致卡顿吗？\n",
        "既然聊到了差异，你是因为遇到了入账的问题，还是单纯对制度差异好奇？\n",
        "Would you like me to expand the swap tiers example?\n",
        # shape seen in other authors' public notes on GitHub (a pasted answer on routing)
        "你需要我为你提供管理这些静态路由的命令，还是说你打算直接改网卡优先级呢？\n",
    ],
)
def test_an_offer_to_the_reader_is_no_question(text: str) -> None:
    assert fronts(text) == []


def test_a_question_about_what_we_need_stays() -> None:
    # kernel notes: 不需要我们 is not an offer
    text = "为什么需要 `A() = default;`，编译器不是会合成吗，根本不需要我们写出来?\n"
    assert [k for k, _ in fronts(text)] == ["question"]


# --- "有多低啊" asks ----------------------------------------------------------------------


def test_how_low_would_it_be_is_a_further_question_not_an_answer() -> None:
    # labelled dev notes: nested items that only wonder further (want: no answer)
    text = (
        "- cache 支持并发写操作吗?\n"
        "  - 如果 L2 cache 不支持，性能的有多低啊\n"
        "  - 如果 L2 cache 支持，大致该如何设计?\n"
    )
    (d,) = [d for d in cards(text) if d.line == 1]
    assert d.answer_lines is None


def test_an_errand_to_investigate_is_no_answer() -> None:
    # labelled dev notes: the items under the question are errands (want: no answer)
    text = (
        "1. 生成的 bzImage 包含了各种驱动吗 ?\n"
        "  2. 调查一下 Manjaro 安装 kernel 的方法\n"
        "  3. 看一下 arch linux 的通用安装方法\n"
    )
    (d,) = [d for d in cards(text) if d.kind == "question"]
    assert d.answer_lines is None


# --- a function's name over its callees is a call tree --------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # kernel notes: callees in backticks and with remarks
        "- kvm_arch_setup_async_pf :\n    - `kvm_setup_async_pf`\n"
        "    - kvm_arch_async_page_present : 给虚拟机注入一个中断\n",
        "pci_data_write:\n- pci_dev_find_by_addr : 找到 PCIDevice\n"
        "    - pci_host_config_write_common\n",
        # shape seen in other authors' public kernel notes on GitHub (a 5-level paging patch)
        "- start_kernel\n  - setup_arch\n    - early_cpu_init\n"
        "      - get_cpu_cap --> fetch from CPUID\n",
    ],
)
def test_a_function_over_its_callees_is_no_list_card(text: str) -> None:
    assert [k for k, _ in fronts(text) if k == "list"] == []


def test_a_code_name_explained_in_prose_keeps_its_list() -> None:
    # course notes: a parameter, what it is, and the values it takes
    text = (
        "- `type`：阈值类型，常用的有以下几种：\n"
        "    - `cv2.THRESH_BINARY`：大于阈值的像素设为 maxval，否则设为 0。\n"
        "    - `cv2.THRESH_TRUNC`：大于阈值的像素设为阈值，否则不变。\n"
    )
    assert "list" in [k for k, _ in fronts(text)]


@pytest.mark.parametrize(
    ("text", "front"),
    [
        # kernel notes: a summary, a solution and a background named after their section
        (
            "## 大端小端问题\n\n一句话总结：写迁移流的结构化字段时一律用大端\n",
            "大端小端问题 的一句话总结",
        ),
        (
            "## Array and Length\n\n解决方案：把长度和数组放进同一个结构体，一次发布指针\n",
            "Array and Length 的解决方案",
        ),
        (
            "### SMB Direct\n\n典型场景：\n- Hyper-V over SMB\n- 远端文件服务器\n",
            "SMB Direct 的典型场景",
        ),
    ],
)
def test_summary_and_solution_labels_get_their_subject(text: str, front: str) -> None:
    assert front in [f for _, f in fronts(text)]


@pytest.mark.parametrize(
    "text",
    [
        "原来是存在 up_read() 和 up_write() 来区分读写的啊\n",  # kernel notes: a realisation
        "居然是 dm_setup_md_queue 中可以选择 bio based 还是 request based\n",
        "看上去是西部数据在推动这个事情\n",
        "具体来说：\n- 脏位图按 4K 记录\n- 发送按 host page 进行\n",  # a connective alone
        "也就是说：\n- C 之前的写会体现在本轮\n- C 之后的写留到下一轮\n",
        # shapes seen in other authors' public notes on GitHub (Raft notes, a calendar how-to)
        "其实：\n\n- heartbeat\n- log replication\n",
        "然后：\n\n- 在 iPhone 上打开日历\n- 在 Watch 上勾选课表\n",
    ],
)
def test_a_connective_or_an_adverb_is_no_subject(text: str) -> None:
    assert [k for k, _ in fronts(text) if k in ("definition", "list")] == []


def test_a_connective_before_a_subject_keeps_the_list() -> None:
    # kernel notes: 'therefore mirror is used for:' still names mirror
    text = "因此 mirror 常用于：\n- 无共享存储的虚拟机迁移\n- 在线复制磁盘\n"
    assert [k for k, _ in fronts(text)] == ["list"]


@pytest.mark.parametrize(
    "line",
    [
        "如何理解?\n",
        "- 如何理解这个？\n",
        "> 怎么理解呢?\n",
        "### 如何理解？\n",  # shape seen in other authors' public notes (a glossary of ideas)
    ],
)
def test_how_to_understand_alone_is_a_hollow_question(line: str) -> None:
    # kernel notes: like a bare 为什么?, it names nothing to understand
    assert fronts(line) == []


def test_how_to_understand_something_stays_a_question() -> None:
    assert [k for k, _ in fronts("如何理解 RCU 的宽限期?\n")] == ["question"]


@pytest.mark.parametrize(
    "text",
    [
        "> ✅ 结论：L5/L6 不单独用于负载均衡\n",  # kernel notes: a label after an emoji
        "1. 一是热点竞争造成的性能损失\n",  # kernel notes: 一是… counts, it names nothing
        "简而言之：schema 定义接口，生成器产出 C 代码\n",  # a connective
        "也就是：\n- 单个 controller\n- 单个 namespace\n",
        # shapes seen in other authors' public notes on GitHub (a data check, a git blog)
        "#### ✅ 结论：GT 数据完整，加载逻辑正确\n",
        "1. 一是这两个需求的上线日期接近\n2. 二是这两个需求修改的文件耦合度很高\n",
    ],
)
def test_emoji_labels_numerals_and_connectives_are_no_terms(text: str) -> None:
    assert [k for k, _ in fronts(text) if k in ("definition", "list")] == []


def test_a_premise_gets_its_subject() -> None:
    text = "## human-monitor-command\n\n前提：QMP 命令返回 HumanReadableText\n"
    assert ("definition", "human-monitor-command 的前提") in fronts(text)


# --- a question after a bare URL is the text after it ----------------------------------


@pytest.mark.parametrize(
    ("text", "front"),
    [
        # kernel notes: a forum thread, then the question it answers
        ("- https://news.example.com/item?id=1 : ssh-agent 的工作原理是什么 ?\n",
         "ssh-agent 的工作原理是什么 ?"),
        ("- https://blog.example.com/tun-mode/ : 如何利用 TUN 实现代理\n", "如何利用 TUN 实现代理"),
        # shapes seen in other authors' public notes on GitHub (a blog post cited in a Python
        # study file, a router doc cited in a compose file): the URL, then its question
        ("https://blog.example.net/thread.html 为什么有人说 Python 多线程是鸡肋？\n",
         "为什么有人说 Python 多线程是鸡肋？"),
        ("https://doc.example.io/routers/ : How to handle Server First protocols?\n",
         "How to handle Server First protocols?"),
    ],
)
def test_a_question_after_a_url_is_the_text_after_it(text: str, front: str) -> None:
    assert fronts(text) == [("question", front)]


@pytest.mark.parametrize(
    "text",
    [
        # kernel notes: guesses at what the link is
        "https://github.com/someone/package-example : cmake 模板 ?\n",
        "https://github.com/someone/pprof-rs : 给 rs 来实现 perf 的 ?\n",
        # shape seen in other authors' public link lists on GitHub: a note on a repository
        "https://github.com/someone/tool : 感觉不更新了？\n",
    ],
)
def test_a_remark_on_a_url_is_no_question(text: str) -> None:
    assert fronts(text) == []


@pytest.mark.parametrize(
    "text",
    [
        # kernel notes: the URL names one side of the comparison
        "https://github.com/someone/libvhost 和 subprojects/libvhost-user 是什么关系?\n",
        # kernel notes: the question points back to the link (labelled seed notes want it)
        "https://example.org/getting-started/ : 2021 年的项目，所以这些都有什么不同吗?\n",
    ],
)
def test_a_url_that_is_the_subject_stays_in_the_question(text: str) -> None:
    assert [f for _, f in fronts(text)] == [text.strip()]


# --- a C++ class's base list is no definition --------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # kernel notes: a class from a code generator, and its base
        "- [ ] class JIT : public blockjit::BaseTranslate creates many methods\n",
        "class SSAGenCWalker : public SSANodeWalker : 23 derives\n",
        # shapes seen in other authors' public C++ notes and lab outlines on GitHub
        "- class Derived : public Base<Derived> - what that buys\n",
        "- class Derived : protected Base 的成员在子类中都变成 protected\n",
    ],
)
def test_a_cpp_base_class_list_is_no_definition(text: str) -> None:
    assert [k for k, _ in fronts(text) if k == "definition"] == []


def test_an_access_word_in_an_explanation_stays() -> None:
    # course notes: public is the explanation's first word, not a base class
    assert fronts("- 可见性: public 成员可以被外部访问\n") == [("definition", "可见性")]


# --- a lead-in that leans on the sentence before it, or tells what happened ---------------


@pytest.mark.parametrize(
    "text",
    [
        # kernel notes: a demonstrative after a circumstance, a step that is done
        "在当前内核源码中，这一机制已被彻底重写：\n\n- 旧机制：计数器\n- 新机制：状态位\n",
        "最后就可以解析的大致流程了:\n- 解析选项\n- 查找选项表\n",
        "现在改成了：\n- 先更新 vruntime\n- 再选下一个任务\n",
        # shapes seen in other authors' public notes on GitHub (Tomcat notes, DataX notes)
        "从图上你可以看到，这个过程是：\n\n1. 浏览器发出请求\n2. 服务端处理请求\n",
        "最后就可以运行 DataX 了：\n\n- 执行 datax.py\n- 看到同步结果\n",
    ],
)
def test_a_lead_in_that_leans_back_or_tells_what_happened_is_no_list_card(text: str) -> None:
    assert [k for k, _ in fronts(text) if k == "list"] == []


@pytest.mark.parametrize(
    "text",
    [
        # shape seen in other authors' public notes on GitHub (simulation notes): what X implies
        "辛积分器保持相空间体积不变，这意味着：\n- 长期能量误差有界\n- 适合长时间仿真\n",
        # kernel notes: a count keeps it a list to learn
        "所以，这里分析的三种情况就是：\n- 缺页\n- 写保护\n- 换出\n",
    ],
)
def test_what_something_implies_or_a_counted_lead_in_stays_a_list_card(text: str) -> None:
    assert [k for k, _ in fronts(text) if k == "list"] == ["list"]


# --- a question that leans on a pronoun takes its heading ---------------------------------


@pytest.mark.parametrize(
    ("text", "front"),
    [
        # kernel notes: a heading question about "the current code", under its topic
        (
            "## NVMe 迁移\n\n### 当前代码是怎么支持的\n\n合入的提交是 5320d335。\n",
            "NVMe 迁移: 当前代码是怎么支持的",
        ),
        # kernel notes: a question in the section, its subject only a demonstrative
        ("## tdp_mmu\n\n这是为什么?\n", "tdp_mmu: 这是为什么?"),
        # shapes seen in other authors' public notes on GitHub (Spring notes, CNN notes): a
        # "why is that?" heading under the heading that names the thing
        (
            "## 卷积层\n\n### 这是为什么？\n\n每个神经元只受它的邻居影响。\n",
            "卷积层: 这是为什么？",
        ),
        (
            "### @Configuration 的作用\n\n#### 这是为什么？\n\n容器会给这个类创建一个代理。\n",
            "@Configuration 的作用: 这是为什么？",
        ),
    ],
)
def test_a_question_that_leans_on_a_pronoun_takes_its_heading(text: str, front: str) -> None:
    assert ("question", front) in fronts(text)


@pytest.mark.parametrize(
    "text",
    [
        "## fuse\n\n那么为什么 fuse 会性能很差?\n",  # kernel notes: 那么 is a connective
        "## X\n\n其实 RCU 的宽限期为什么要等所有 CPU?\n",  # 其实 is an adverb
    ],
)
def test_a_connective_before_the_subject_takes_no_heading(text: str) -> None:
    assert [f for _, f in fronts(text)] == [text.split("\n\n", 1)[1].strip()]


@pytest.mark.parametrize(
    "text",
    [
        "## 参考\n\n这个不是还有吗?\n",  # kernel notes: a label heading names nothing
        "### Notes\n\nIs this really needed?\n",  # the same shape in English notes
    ],
)
def test_a_label_heading_is_not_folded_into_the_question(text: str) -> None:
    assert [f for _, f in fronts(text)] == [text.split("\n\n", 1)[1].strip()]


# --- a part the lead-in names takes the section's subject ---------------------------------


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        # kernel notes: the two sides of recovering from a branch misprediction
        (
            "## 从分支预测错误中恢复\n\n恢复分前端和后端两部分:\n"
            "- 前端: 清空中间 buffer，矫正分支预测器\n- 后端: 清除错误指令留下的影响\n",
            ["从分支预测错误中恢复 的前端", "从分支预测错误中恢复 的后端"],
        ),
        # shapes seen in other authors' public notes on GitHub (Kubernetes notes, notes on a
        # conferencing system): a thing split into a front and a back end
        (
            "### K8S Service\n\n可以把 Service 理解为前端和后端两部分：\n\n"
            "- 前端：名称、IP 和端口等不变的部分。\n- 后端：符合标签选择条件的 Pod 集合。\n",
            ["K8S Service 的前端", "K8S Service 的后端"],
        ),
        (
            "### 会议系统的架构\n\n架构可以分为前端和后端两部分：\n\n"
            "- **前端**：采集、编码和传输音视频。\n- **后端**：信令服务器和媒体服务器。\n",
            ["会议系统的架构 的前端", "会议系统的架构 的后端"],
        ),
    ],
)
def test_a_part_the_lead_in_names_takes_the_sections_subject(text: str, terms: list[str]) -> None:
    assert [f for k, f in fronts(text) if k == "definition"] == terms


def test_a_part_under_a_heading_that_asks_is_no_definition() -> None:
    # kernel notes: the heading asks, so nothing names whose moments these are
    text = (
        "## 为什么 ROB 能实现精确异常\n\n异常在执行时被发现，只在提交时生效。两个时刻分离:\n\n"
        "1. **执行时**: 只在 entry 里记下异常\n2. **提交时**: 清空更年轻的 entry\n"
    )
    assert [k for k, _ in fronts(text) if k == "definition"] == []


def test_a_named_part_that_is_a_name_keeps_its_term() -> None:
    # course notes: `$(cmd)` is a name of its own, though the lead-in names it
    text = "命令替换有两种形式：`$(cmd)` 和反引号：\n\n- `$(cmd)`：可以嵌套使用的写法\n"
    assert ("definition", "`$(cmd)`") in fronts(text)


# --- a connective that ends a lead-in carries the sentence into the list -----------------


@pytest.mark.parametrize(
    "text",
    [
        # shapes seen in other authors' public notes on GitHub (notes on a video site's API,
        # notes on test-first development): "X, actually:" and the list finishes the sentence
        "H5 版本相比 PC 而言，其实：\n\n- url 不同\n- 参数不同\n",
        "你以为全测了，其实：\n- 没有测试记录\n- 改代码后无法重跑\n",
        # kernel notes: the same connective with the subject before it
        "- 多队列的实现很简单，其实：\n  - 先选硬件队列\n  - 再派发请求\n",
    ],
)
def test_a_lead_in_ending_in_a_connective_is_no_list_card(text: str) -> None:
    assert [k for k, _ in fronts(text) if k == "list"] == []


def test_a_lead_in_ending_in_therefore_stays_a_list_card() -> None:
    # shape seen in other authors' public notes on GitHub (IoT notes): what follows from X
    text = "子设备没有直接连接云端，因此：\n- 无法使用遗嘱消息\n- 由网关维护在线状态\n"
    assert [k for k, _ in fronts(text)] == ["list"]


# --- an explanation that opens with a bracketed shrug is no explanation -------------------


@pytest.mark.parametrize(
    "text",
    [
        # shape seen in other authors' public notes on GitHub (notes on rpm package names):
        # a field, a shrug in brackets, then only examples
        "4.Arch : (不知道怎么解释), 有 i386, i686, x86_64, noarch\n",
        # kernel notes: a flag, "can't follow it" in brackets, then a pointer elsewhere
        "tls : (使用什么优化，看不懂) 见 JEMALLOC_TLS_MODEL 的说明\n",
        "- ept_fetch : (todo 再看一遍) 遍历 guest page table\n",
    ],
)
def test_an_explanation_that_opens_with_a_shrug_is_no_definition(text: str) -> None:
    assert [k for k, _ in fronts(text) if k == "definition"] == []


def test_a_gloss_in_brackets_before_an_explanation_stays() -> None:
    # kernel notes: the bracket glosses, the explanation follows
    assert fronts("- ext4 : (默认文件系统) 基于日志的文件系统\n") == [("definition", "ext4")]


# --- the second sentence of an offer is the same offer -------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # notes that keep a pasted conversation: the offer and its alternative
        "需要我把这段展开吗？或加一个对比 ARM 的例子？\n",
        "要不要我画一张时序图？\n或者把 used ring 的更新也一起讲一遍？\n",
        # shapes seen in other authors' public notes on GitHub (a pasted debugging session,
        # an assistant's reply kept in a README)
        "需要我帮你查一下数据库里的值吗？或者直接看看映射表有没有新增？\n",
        "Would you like me to add a diagram? Or shall I expand the example?\n",
    ],
)
def test_the_second_sentence_of_an_offer_is_no_question(text: str) -> None:
    assert fronts(text) == []


def test_a_rephrased_question_after_a_question_stays() -> None:
    # kernel notes: 或者说 rephrases a real question, it is no offer
    text = "为什么要关中断？或者说，为什么不能用锁？\n"
    assert [k for k, _ in fronts(text)] == ["question"]


# --- "X 下" is a circumstance, not a term ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # kernel notes: the name of a tool on one distribution and on another
        "nixos 下是 execsnoop 而 debian 是另一个名字\n",
        "- x86_64 上：第一个参数在 di 寄存器\n",
        # shapes seen in other authors' public notes on GitHub (a guide to nmap, a README)
        "最好用有权限的用户运行，Linux 下是 root，Windows 下是 administrator\n",
        "Windows 下是 `%LOCALAPPDATA%` 下的目录\n",
    ],
)
def test_a_name_with_a_place_word_is_no_term(text: str) -> None:
    assert [k for k, _ in fronts(text) if k == "definition"] == []


def test_a_word_ending_in_a_place_character_stays_a_term() -> None:
    # course notes: 线上 is one word, not "on X"
    assert fronts("线上是指通过网络进行的活动\n") == [("definition", "线上")]


# --- a yes/no clause before a name describes the name -----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # kernel notes: what each job-control flag records
        "- group stop 计数是否要消费：JOBCTL_STOP_CONSUME\n"
        "- ptrace 是否要求进入 trap stop：JOBCTL_TRAP_STOP\n",
        # shapes seen in other authors' public notes on GitHub (troubleshooting checklists)
        "1. 补全插件是否启用：`completion.enabled: true`\n",
        "- 定时任务是否启用：`cron.enabled`\n",
    ],
)
def test_a_yes_no_clause_before_a_name_is_no_question(text: str) -> None:
    assert [k for k, _ in fronts(text) if k == "question"] == []


@pytest.mark.parametrize(
    "text",
    [
        "什么是 closure : https://example.com/what-is-a-closure\n",  # kernel notes: a reference
        "- 为什么要关中断：preempt\n",  # a why-question answered in one word
    ],
)
def test_a_question_before_a_reference_or_a_short_reply_stays(text: str) -> None:
    assert [k for k, _ in fronts(text)] == ["question"]


# --- "本章的…" names a side of the note's own subject -----------------------------------------


@pytest.mark.parametrize(
    ("text", "front"),
    [
        # kernel notes (a book's chapter notes): the chapter's thesis
        (
            "# Hardware and its Habits\n\n## 小结\n\n本章的核心论点是：并行程序员必须理解硬件。\n",
            "Hardware and its Habits 的核心论点",
        ),
        # shapes seen in other authors' public notes on GitHub (C++ concurrency notes,
        # statistics notes): the chapter's core idea, under the chapter's title
        (
            "# 第2章：线程管理\n\n本章的核心思想是：**用 RAII 管理线程**。\n",
            "线程管理 的核心思想",
        ),
        (
            "# 充分统计量\n\n本章的核心思想是：参数只通过统计量影响样本。\n",
            "充分统计量 的核心思想",
        ),
    ],
)
def test_a_side_of_this_chapter_takes_the_notes_title(text: str, front: str) -> None:
    assert ("definition", front) in fronts(text)


@pytest.mark.parametrize(
    "text",
    [
        # kernel notes: what the chapter does, not a side of it
        "# Formal Verification\n\n本章以 Knuth 的名言开篇：Beware of bugs in the above code\n",
        "# X\n\n本章的 Table 3.4 展示了缓存几何结构：L0 和 L1 是每个核私有的\n",
        "本章的核心思想是：用 RAII 管理线程。\n",  # no title to name the chapter
    ],
)
def test_a_remark_about_this_chapter_is_no_definition(text: str) -> None:
    assert [k for k, _ in fronts(text) if k == "definition"] == []


# --- a term that holds "I" is a remark -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # kernel notes: how the author understands or feels about something
        "实现方法我理解是，先让内核在 fork 的时候写入共享内存\n",
        "- 写代码我感觉是最好的方式，主要是资源较少\n",
        # shapes seen in other authors' public notes on GitHub (notes on thread pools, on
        # Kubernetes): "X, I think, is …"
        "合适的线程池大小我觉得是没有固定公式的\n",
        "Eureka 的定位我认为是历史遗留问题\n",
    ],
)
def test_a_term_that_holds_i_is_no_term(text: str) -> None:
    assert [k for k, _ in fronts(text) if k == "definition"] == []


def test_self_in_a_term_is_no_first_person() -> None:
    # kernel notes (a book's chapter notes): 自我 is a word
    text = "3. **Self-Inspection（自我检查）**：无法请他人审查时的替代方案\n"
    assert fronts(text) == [("definition", "Self-Inspection（自我检查）")]


# --- a hard-wrapped sentence is read whole ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "front"),
    [
        # book notes and the English notes of dev2/til wrap English prose by hand: the
        # lead-in is the sentence, not its last line (``steps``, ``factors``)
        (
            "## fork\n\nAfter the copy is made, the child performs the following\nsteps:\n\n"
            "1. close the pipe\n2. exec the program\n",
            "After the copy is made, the child performs the following steps",
        ),
        (
            "## 4.2\n\nThe time of a vector sequence depends on three\nfactors:\n\n"
            "1. the length of the vectors,\n2. structural hazards, and\n3. dependences.\n",
            "The time of a vector sequence depends on three factors",
        ),
    ],
)
def test_a_hard_wrapped_lead_in_is_its_whole_sentence(text: str, front: str) -> None:
    assert ("list", front) in fronts(text)


def test_lines_of_chinese_notes_are_statements_not_a_wrapped_sentence() -> None:
    # kernel notes: a line of its own, then a lead-in that starts with a lower-case name
    text = (
        "## X\n\ncpuacct：“用了多少 CPU”\ncpuacct 是一个统计控制器，负责：\n\n"
        "- 统计时间\n- 统计次数\n"
    )
    assert ("list", "cpuacct 是一个统计控制器，负责") in fronts(text)


def test_a_question_that_ends_open_takes_the_next_line() -> None:
    # kernel notes: ``有没有`` at the end of a line, what it asks about on the next
    text = (
        "## 共识数\n\n并发计算中有没有\n一种对象，可以构建其它所有无等待的对象？"
        "上面给了部分答案。\n"
    )
    assert fronts(text)[0] == (
        "question", "并发计算中有没有 一种对象，可以构建其它所有无等待的对象？"
    )
    # …but a whole clause on its own line stays a question of its own
    text = (
        "## X\n\nslab 为什么 page 和 object 相同\n这说明一个 page 只有一个 object\n"
        "这个 abc 是什么?\n"
    )
    assert fronts(text)[0] == ("question", "slab 为什么 page 和 object 相同")


@pytest.mark.parametrize(
    "text",
    ["## X\n\nFor example:\n\n- a thing\n- b thing\n", "## X\n\n例如：\n\n- 一个\n- 两个\n"],
)
def test_for_example_alone_is_no_lead_in(text: str) -> None:
    assert [k for k, _ in fronts(text) if k == "list"] == []


# --- a copula's subject with a clause comma is a sentence, not a term ----------------------


@pytest.mark.parametrize(
    "text",
    [
        # kernel notes: the last clause's pronoun or fragment before 是
        "`call_rcu()` 的宽限期推进都由它驱动，它是真正常年干活的那个。\n",
        "x86 上 `smp_mb()` 实现为 `lock; addl`，这是一个昂贵的全屏障。\n",
        "`cpu.weight` 范围大，细粒度，区间是 `[1, 10000]`\n",
        # the same in English: a clause before the subject
        "In C, a pointer is a variable that holds an address.\n",
        # a sentence ended before the copula: the subject is the next sentence's pronoun
        "`VMStateInfo` 不只处理基础类型。它也可以是一整个子系统的适配器。\n",
    ],
)
def test_a_subject_with_a_clause_comma_is_no_term(text: str) -> None:
    # None of the labelled definitions of the three authors has a comma in its term
    # outside a bracketed gloss.
    assert [k for k, _ in fronts(text) if k == "definition"] == []


def test_a_comma_in_a_gloss_or_an_alias_stays_in_the_term() -> None:
    assert ("definition", "切比雪夫距离（Chebyshev, L∞）") in fronts(
        "切比雪夫距离（Chebyshev, L∞）是各坐标差的绝对值中的最大值\n"
    )
    assert ("definition", "棋盘距离，即切比雪夫距离") in fronts(
        "- 棋盘距离，即切比雪夫距离：两点之间的最大坐标差\n"
    )


# --- a term that points to another part of the note names nothing -------------------------


@pytest.mark.parametrize(
    "text",
    [
        # kernel notes: "another reason", "the related code", "the accompanying talk"
        "## TLB\n\n3. 另一个原因：TCP 栈必须读 header\n",
        "## RDMA\n\n相关代码：\n\n- HMP 包装：block/monitor.c\n- QMP 入口：blockdev.c\n",
        "配套的 lpc (2023) : Improve IRQ throughput with posted interrupts\n",
        "## 迁移\n\n对应代码是：\n\n- 发送通知：migration/ram.c\n- 清除位图：migration/ram.c\n",
    ],
)
def test_a_term_that_points_elsewhere_is_no_card(text: str) -> None:
    # (the same as a demonstrative: course notes' ``上面这个式子是二次收敛的`` is no card)
    assert fronts(text) == []


def test_a_term_that_only_starts_like_a_pointer_stays() -> None:
    assert ("definition", "相关系数") in fronts("相关系数：两个变量线性相关的程度\n")


@pytest.mark.parametrize("text", ["两个看下来，都是不怎么样的\n", "这个工具不怎么好用\n"])
def test_not_very_is_no_question(text: str) -> None:
    # 不怎么 / 不怎样 means "not very": no question is asked (but 内核怎么处理缺页 asks)
    assert fronts(text) == []
    assert fronts("内核怎么处理缺页\n") == [("question", "内核怎么处理缺页")]


@pytest.mark.parametrize(
    "text",
    [
        "> 1. 证明 : 还是没有看懂\n",
        "- vring_virtqueue::last_used_idx : 不理解\n",
        "- foo_bar : 不知道\n",
        "1. mm/rmap.c 中的 anon_vma_cachep : 看不懂\n",  # one list of words of not knowing
        "- page_add_file_rmap : 完全无法理解\n",
    ],
)
def test_an_explanation_that_is_only_a_shrug_is_no_definition(text: str) -> None:
    # (as ``X : (不知道怎么解释)`` is not: the note has no explanation yet)
    assert fronts(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "先不管这些，看看 passt 和虚拟化如何连起来\n",
        "还是应该搞一个板子玩玩，看看 ejtag 是如何工作的\n",
        "测试一下内存错误注入，分析内核中如何处理 uncorrectable error\n",
    ],
)
def test_an_errand_after_a_clause_is_no_question(text: str) -> None:
    # as an errand at the start is not (分析 X 是如何…, 看看为什么…)
    assert fronts(text) == []


def test_a_question_before_an_errand_stays() -> None:
    assert fronts("X 为什么慢，分析一下\n") == [("question", "X 为什么慢，分析一下")]


@pytest.mark.parametrize(
    "text",
    [
        "这就是为什么需要 address_space 的原因\n",
        "这也是为什么它的例子里，battery 节点要被 charger 引用\n",
    ],
)
def test_that_is_why_tells_and_does_not_ask(text: str) -> None:
    assert fronts(text) == []
    # …but "why is that" asks, with or without its question mark
    assert fronts("## tdp_mmu\n\n这是为什么?\n") == [("question", "tdp_mmu: 这是为什么?")]
    assert [k for k, _ in fronts("但是 seabios 是没有的，这是为什么\n")] == ["question"]


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("快速排序就是分而治之的一种排序\n", "快速排序"),
        ("- epoll 其实就是一个事件通知机制\n", "epoll"),
        ("> self 其实本身就是指向当前进程的目录\n", "self"),  # adverbs one after another
        ("Raft 本来就是一种好懂的共识算法\n", "Raft"),
    ],
)
def test_jiu_shi_is_a_copula(text: str, term: str) -> None:
    # X 就是 Y defines X, as X 是 Y does (the block's first test used to miss it)
    assert fronts(text) == [("definition", term)]


@pytest.mark.parametrize(
    "text",
    [
        "- dccp 似乎是一个传输层的协议\n",  # a hedge in the subject
        "tcp 好像就是靠重传保证可靠\n",
        "这个寄存器应该就是控制电源的\n",
        "写入的地址正好是 604 啊\n",  # 正好, 确实: an observation, not a definition
        "QEMU 的顺序确实是先同步，再清理\n",
        "核心就是这么简单。\n",  # an explanation that only points back
        "内核实际上就是这么做的，读写都不加锁\n",
        "@todo 这一章就是分析命名空间的\n",  # a note to self is no term
        "FIXME 这个翻译就是一团糟\n",
        "TODO the cache is a mess\n",
        "// 每个 head 是一个链表\n",  # a code comment
        "最近的新闻就是去年的新闻了\n",  # a time or a step names nothing
        "下一步就是构建层次结构\n",
        "里的 or 就是表示复用\n",  # a fragment
        "典型例子：每个 bucket 一个锁\n",  # an example is no term
        "最经典的例子就是嵌套虚拟化\n",
    ],
)
def test_guesses_remarks_and_notes_to_self_are_no_definitions(text: str) -> None:
    assert fronts(text) == []


def test_core_and_consequence_are_attributes() -> None:
    # 核心, 后果, 本质…: an attribute of the section's subject, or nothing
    assert fronts("## mmu_spte_update\n\n核心就是 WRITE_ONCE 而已\n") == [
        ("definition", "mmu_spte_update 的核心")
    ]
    assert fronts("后果就是程序被 kill\n") == []
    assert fronts("本质: 锁的顺序反了\n") == []


@pytest.mark.parametrize(
    "text",
    [
        "相关会议可以看看：\n\n- LPC 2017 的一个报告\n- KVM Forum 的一个报告\n",
        "RCU 的文章值得看看:\n\n- 一篇讲 RCU\n- 一篇讲 SRCU\n",
        "长期待办：\n\n- 整理 fs\n- 写 demo\n",
    ],
)
def test_a_reading_tip_or_a_todo_list_is_no_list_card(text: str) -> None:
    assert fronts(text) == []


def test_a_term_that_ends_in_for_example_is_none() -> None:
    # the colon belongs to ``E.g``, and what comes before it is the end of a sentence
    assert fronts("Big locks in the kernel. E.g: on x86-64 it is 32 bytes\n") == []
    assert fronts("缓存替换策略例如: LRU 和 LFU\n") == []


@pytest.mark.parametrize(
    "text",
    [
        "- [ ] 确认一下 : 切换模式时 TLB 是否全部清空\n",  # an errand
        "- 分析一下: 当一个 vcpu 退出时\n",
        "第一种情况 : 直接触发\n",  # a numbered case
        "第二个步骤: 建立映射\n",
        "C:\\Program Files\\Windows Kits\\10\\Include\n",  # a drive letter
        "D:/games/save\n",
    ],
)
def test_errands_numbered_cases_and_drive_letters_are_no_terms(text: str) -> None:
    assert [kind for kind, _ in fronts(text)] != ["definition"]


def test_a_numbered_question_label_leaves_the_question() -> None:
    assert fronts("第一个问题: 如何实现 write(2)\n") == [
        ("question", "第一个问题: 如何实现 write(2)")
    ]
    # a code term before a path is still a term
    assert fronts("- `run_services`：/dev/fd 软链、挂载 9p\n") == [("definition", "`run_services`")]


def test_so_called_with_de_names_the_term() -> None:
    # 所谓的 X 也就是 …: the term is X, not ``的 X 也``
    assert fronts("所谓的 busyTable 也就是是否 ready 而已\n") == [("definition", "busyTable")]
    assert fronts("所谓的 wqattrs 就是优先级和 cpu 限制\n") == [("definition", "wqattrs")]


@pytest.mark.parametrize(
    "text",
    [
        "RAM memory by means of a fixed formula\n",  # ``by means of``
        "By means of a small trick, the mapping holds more\n",
        "Neither is the exact definition of the struct relevant here\n",
        "│ 角色       │ 可以是 Target、Initiator 等 │\n",  # a table drawn in text
        "├─ 如果是 passthrough 请求 → 直接插入队列\n",
    ],
)
def test_idioms_pronouns_and_drawn_tables_hold_no_definition(text: str) -> None:
    assert fronts(text) == []


def test_a_lead_in_that_opens_with_they_has_no_subject() -> None:
    assert fronts("它们被用于：\n\n- 验证常量关系\n- 检查数组大小\n") == []
    assert fronts("他们的数量关系是:\n\n- a : b = 1 : 1\n- b : c = 1 : n\n") == []
    # an option named none is still a term
    assert fronts("- none：只同步新写入\n") == [("definition", "none")]


@pytest.mark.parametrize(
    "text",
    [
        "- kvm_arch_vcpu_create : 这样做对吗?\n  - 我很迷茫！\n",
        "- 为什么要两次握手?\n  - 困惑\n",
        "所以 kallsyms 里面的内容是如何获取的\n\n暂时没兴趣了\n",
        "1. access once 和 data race 有什么关系 ? 完全不懂\n",
        "CONFIG_X 的影响是什么\n\n影响很多，已经看不懂了。\n",
    ],
)
def test_a_shrug_or_a_shrugged_off_question_has_no_answer(text: str) -> None:
    (card,) = cards(text)
    assert card.kind == "question" and card.back == ""


def test_a_guess_after_a_shrug_still_answers() -> None:
    (card,) = cards("- i, k, j 可以随意嵌套吗 ?\n  - 并不知道，但是 k 在最外面必然是正确的\n")
    assert "k 在最外面" in card.back


@pytest.mark.parametrize(
    "text",
    [
        "它的主要特点包括：\n\n- 封装在 GRE 中\n- 跨三层\n",  # its subject is elsewhere
        "所以它本质上是：\n\n- 先过滤\n- 再选择\n",
        "具体包括：\n\n- 模糊测试\n- 锁依赖检查\n",
        "These changes include:\n\n- a new stack\n- a new heap\n",
        "They serve the following purpose:\n\n- to map\n- to unmap\n",
        "**内容**：\n\n- hash_map.bpf.c\n- array_map.bpf.c\n",  # a label
    ],
)
def test_a_lead_in_that_leans_on_a_pronoun_or_a_label_is_no_card(text: str) -> None:
    assert fronts(text) == []
    # a lead-in with its own subject stays
    assert fronts("ERSPAN 的主要特点包括：\n\n- 封装在 GRE 中\n- 跨三层\n") == [
        ("list", "ERSPAN 的主要特点包括")
    ]


def test_a_colon_terms_copula_is_left_out() -> None:
    # ``X 的核心思想是：…`` defines X 的核心思想 …
    assert fronts("MCS 锁的核心思想是：每个等待线程在自己的节点上自旋\n") == [
        ("definition", "MCS 锁的核心思想")
    ]
    assert fronts("- 伙伴系统的分配粒度是 : 2^n 个页\n") == [("definition", "伙伴系统的分配粒度")]
    # …but ``X 处理的是：…`` keeps it: ``X 处理的`` names nothing
    assert fronts("rmap_add 处理的是 : gfn 和 pte 的对应关系\n") == [
        ("definition", "rmap_add 处理的是")
    ]


def test_an_adverb_before_the_copula_leaves_the_subject() -> None:
    assert fronts("函数对象通常是泛型算法的实参\n") == [("definition", "函数对象")]
    assert fronts("ARM LL/SC 一般是读取时设置 reservation\n") == [("definition", "ARM LL/SC")]


@pytest.mark.parametrize(
    "text",
    [
        "4. exit.c:do_exit 的 set_fs\n",  # a place in the source
        "见 fs/ext4/inode.c:1283 和 fs/ext4/inode.c:3115。\n",
        "core.c:5873 和 kernel/sched/core.c:5834。\n",
    ],
)
def test_a_source_file_and_line_is_no_term(text: str) -> None:
    assert fronts(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "- [ ] colo 在分布式存储出现之后，还有什么意义啊\n",  # an interrogative, then a particle
        "ifu/frontend.scala 里的 Module 是什么含义呀\n",
        "load-linked 是什么操作的啊\n",
        "parent 都是些什么东西呀\n",
        "-boot once=d 这个参数什么意思\n",  # 什么意思 without 是
    ],
)
def test_a_question_without_a_question_mark_ends_in_a_particle(text: str) -> None:
    assert [kind for kind, _ in fronts(text)] == ["question"]


@pytest.mark.parametrize("text", ["感觉没什么干活啊\n", "这工具什么都能做啊\n", "这书没什么意思\n"])
def test_a_statement_with_a_particle_asks_nothing(text: str) -> None:
    assert fronts(text) == []


@pytest.mark.parametrize(
    "text",
    [
        'Perfbook 第7章以 "Locking: Villain or Hero?" 为核心议题，讨论锁的双重角色\n',
        "本章是《Is Parallel Programming Hard, And, If So, What Can You Do About It?》的一章\n",
        'The coordinator sends "CanCommit?" to all cohorts\n',
    ],
)
def test_a_title_or_quotation_inside_a_statement_asks_nothing(text: str) -> None:
    assert fronts(text) == []


def test_a_quoted_question_still_asks() -> None:
    assert fronts('### 4.1 "per_cpu 读取为什么不需要 READ_ONCE？"\n\n因为只有本 CPU 会写\n') == [
        ("question", '4.1 "per_cpu 读取为什么不需要 READ_ONCE？')
    ]


def test_a_question_that_opens_a_bracket_is_the_text_inside() -> None:
    assert fronts("(为什么不是 tty0 ?\n") == [("question", "为什么不是 tty0 ?")]
    # a bracket later in the sentence keeps what comes before it
    assert fronts("为什么需要做符号处理(又是特有的东西吗 ?\n") == [
        ("question", "为什么需要做符号处理(又是特有的东西吗 ?")
    ]


@pytest.mark.parametrize("text", ["什么问题?\n\n一些说明\n", "啥意思？\n", "什么东西?\n"])
def test_what_problem_alone_asks_nothing(text: str) -> None:
    assert [kind for kind, _ in fronts(text)] != ["question"]


@pytest.mark.parametrize("text", ["**已完成**：\n\n- 测试 A\n- 测试 B\n", "- 进行中：迁移测试\n"])
def test_a_status_label_is_no_card(text: str) -> None:
    assert fronts(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "或者：\n\n- 内核后端完成了 DMA\n- 线程直接修改显存\n",  # a connective alone
        "而是下面这套流程：\n\n- 先注册\n- 再轮询\n",
        "**纠正**：\n\n- Probe 是探测机制\n- Tracer 是功能实现\n",  # a label
        "doc:\n\n1. 观察 page 的定义\n2. 观察 folio 的定义\n",
    ],
)
def test_a_connective_or_label_lead_in_is_no_card(text: str) -> None:
    assert "list" not in [kind for kind, _ in fronts(text)]


def test_constraints_and_common_values_take_their_subject() -> None:
    text = "## memorder\n\n常见值：\n\n- RELAXED：只保证原子性\n- ACQUIRE：后续读写不前移\n"
    assert fronts(text)[0] == ("list", "memorder 的常见值")
    assert fronts("约束：\n\n- 必须同时启用\n- 必须先设置\n") == []


def test_definition_and_path_take_their_subject() -> None:
    assert fronts("## SCC\n\n定义 : 任何一点可以到达任何一点\n") == [("definition", "SCC 的定义")]
    assert fronts("定义 : 从任何一个点可以到达任何一个点\n") == []
    assert fronts("## 总结\n\n**总结建议**：\n\n- 默认选 ipvlan\n- macvlan 作为备选\n") == []


def test_a_headings_numbering_and_subtitle_are_not_its_name() -> None:
    text = "### B. 滞后量 (Lag) —— 衡量公平的尺子\n\n- 定义：任务应得的服务与实际得到的服务之差\n"
    assert fronts(text) == [("definition", "滞后量 的定义")]
    text = "### 2.2 lockdep — 锁依赖验证器\n\n**功能**: 检测死锁、锁顺序违规等问题。\n"
    assert fronts(text) == [("definition", "lockdep 的功能")]


@pytest.mark.parametrize(
    "text",
    [
        "所以整体流程是：\n\n- 先建立连接\n- 再发送数据\n",  # it carries on the sentence before
        "所以简单说：\n\n- 迁移存储\n- 备份\n",
        "这两层主要负责：\n\n- 会话管理\n- 格式转换\n",  # what the sentence before named
        "似乎想法是：\n\n1. 映射到一个文件\n2. 按需加载\n",  # a guess
    ],
)
def test_a_lead_in_that_carries_on_or_guesses_is_no_card(text: str) -> None:
    assert fronts(text) == []


def test_a_question_mark_in_a_diagram_asks_nothing() -> None:
    text = "submit_bio()\n│\n├─► [Merge 成功?] ──YES──► [Return]\n"
    assert fronts(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "arping 和 ping 有什么区别\n",  # 有/是 什么 and a short noun end the clause
        "bmc 和 ipmi 是什么关系\n",
        "modprobe 是什么东西\n",
        "KALLSYMS_ALL 选项是什么作用\n",
    ],
)
def test_what_relation_without_a_question_mark_asks(text: str) -> None:
    assert [kind for kind, _ in fronts(text)] == ["question"]


@pytest.mark.parametrize(
    "text",
    [
        "也不是什么大问题了\n",  # a statement
        "两者没有什么区别\n",
        "终于知道我们的问题是什么了\n",
        "这里的 slot 需要有什么锁吧\n",  # a guess
        "先看看这些选项有什么作用吧\n",  # an errand
        "应该测试一下没有 scheduler 时的性能是什么样的\n",
        "所以，现在需要分析一下 IP 和 ARP 的层次还有什么东西\n",
    ],
)
def test_what_in_a_statement_guess_or_errand_asks_nothing(text: str) -> None:
    assert fronts(text) == []


def test_a_question_lead_in_is_a_question_not_a_list() -> None:
    text = "sudo systemctl kexec 和 sudo kexec -e 有什么区别\n\n- systemd 会先关闭各种服务\n"
    assert [kind for kind, _ in fronts(text)] == ["question"]


def test_a_remark_ending_in_de_and_a_particle_is_no_definition() -> None:
    assert fronts("- LoyenWang 是分析过 ARM 中断过程的哇\n") == []


@pytest.mark.parametrize(
    "text",
    [
        "想不到 : vmx_init_syscall 可以动态添加 syscall\n",  # surprise, not a term
        "- 作为额外的问题 : 多个 updater 可以不锁整个链表\n",
    ],
)
def test_a_surprise_or_an_aside_is_no_term(text: str) -> None:
    assert fronts(text) == []


def test_a_question_with_its_answer_on_one_line_stays_a_card() -> None:
    # ``X 的作用是什么 : …``: the note's own question and answer, kept as they stand
    assert fronts("median3 的作用是什么 : 选出三个数的中位数作为枢轴\n") == [
        ("definition", "median3 的作用是什么")
    ]


def test_a_dash_term_holding_a_verb_is_a_sentence() -> None:
    text = "`find_or_create_page` does what the name promises — it looks up a page\n"
    assert fronts(text) == []
    assert fronts("**`SoftIRQs`** — are used to implement deferred activities\n") == [
        ("definition", "`SoftIRQs`")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "有点这个意思，但是不是完全对的\n",  # 但是 + 不是, not 是不是
        "acpi 真的会探测设备, 但是不是所有的设备都是从 acpi 中探测的\n",
        "思考一下，asahi linux 是如何调试硬件的\n",  # an errand
        "- do_signal : TODO 需要处理 syscall restart\n",  # an explanation still to write
        "2. yield 函数主动放弃 : @todo 检查 yield 函数的内容\n",
    ],
)
def test_but_not_errands_and_todo_explanations_are_no_cards(text: str) -> None:
    assert fronts(text) == []


def test_is_it_or_not_still_asks() -> None:
    assert [k for k, _ in fronts("这个 page 是不是 anon 的\n")] == ["question"]


@pytest.mark.parametrize(
    "text",
    [
        "- dfs / 前序 都是采用相同的模式 : 从栈顶取元素\n",  # a sentence before the colon
        "unwritten extent 也是一致性工具：已分配未写入的块读出零\n",
        "1. 创建的内存最好是就是在附近 ：分配器的策略\n",  # a recommendation
        "但是也存在一些可以改进的地方：\n\n- 论文看得少\n- 睡得晚\n",  # 但是 + no subject
    ],
)
def test_sentences_recommendations_and_but_lead_ins_are_no_cards(text: str) -> None:
    assert fronts(text) == []


def test_an_alternative_before_a_colon_and_an_adverb_before_a_copula_stay() -> None:
    assert fronts("11. Rc<RefCell> 还是 RefCell<Rc> ： 可变多个\n") != []
    assert fronts("测试变量一律是 volatile 加编译器屏障\n") == [("definition", "测试变量")]


def test_a_scratch_label_is_no_term() -> None:
    assert fronts("TMP : 只看到了 sessions 1B 的位置\n") == []


@pytest.mark.parametrize(
    "text",
    [
        "它主要做四件事：\n\n1. 遍历\n2. 合并\n3. 映射\n4. 提交\n",  # a pronoun, counted
        "你可以把它简单理解成：\n\n- 一条虚拟时间线\n- 一个账户余额\n",  # the reader
        "四种状态：\n\n1. modified\n2. exclusive\n3. shared\n4. invalid\n",  # only a count
        "- 三类：初始化、无返回值操作、有返回值操作\n",
        "That means:\n\n1. new extents are unwritten\n2. reads see zeros\n",
        "但要补充一下：\n\n1. 卡住的是派发者\n2. 调用方攒满一批\n",
    ],
)
def test_a_lead_in_whose_subject_is_elsewhere_even_with_a_count_is_no_card(text: str) -> None:
    assert fronts(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "- [ ] chen 描述 TLB refill 的时候，为什么每次都需要将 pagemask 清零。\n",  # a full stop
        "如何批量的修改文件。\n",
        "什么时候会调用 shmem_writepage\n",  # when
        "- [ ] 在哪里可以找到 intel 的手册\n",  # where
        "CONFIG_CONTIG_ALLOC 是做什么\n",
        "- [ ] 所以这两种路径下触发的 io 存在什么区别啊!\n",
    ],
)
def test_more_questions_without_a_question_mark(text: str) -> None:
    assert [kind for kind, _ in fronts(text)] == ["question"]


@pytest.mark.parametrize(
    "text",
    [
        "lockdep 可以验证底层函数是否偷偷释放了锁。\n",  # 是否 inside a statement
        "librdmacm 管连上，libibverbs 管怎么传。\n",
        "感觉内容和 demand paging 没有什么关系啊!\n",
    ],
)
def test_an_embedded_interrogative_in_a_statement_asks_nothing(text: str) -> None:
    assert fronts(text) == []


# --- a question marked as a to-do is still a question ------------------------------------


@pytest.mark.parametrize(
    ("text", "front"),
    [
        ("@todo 为什么 RCU 的读者不用加锁 ?\n", "为什么 RCU 的读者不用加锁 ?"),
        ("- [ ] @todo 信号之间有优先级吗 ?\n", "信号之间有优先级吗 ?"),
        ("TODO : 页表项为什么分成可写和只读两种 ?\n", "页表项为什么分成可写和只读两种 ?"),
        ("FIXME 这个锁到底保护了什么？\n", "这个锁到底保护了什么？"),
        ("#### (todo) 抢占指的是什么？\n", "抢占指的是什么？"),
        ("> @todo how does the kernel pin the page ?\n", "how does the kernel pin the page ?"),
        ("- @todo 为什么 zone 里会有空洞\n", "为什么 zone 里会有空洞"),  # no question mark
    ],
)
def test_a_question_marked_as_a_to_do_is_asked_without_its_marker(text: str, front: str) -> None:
    assert fronts(text) == [("question", front)]


@pytest.mark.parametrize(
    "text", ["@todo 看一下 vma_merge 的实现\n", "- TODO 整理笔记\n", "(TODO)\n"]
)
def test_a_to_do_that_asks_nothing_is_no_card(text: str) -> None:
    assert cards(text) == []


# --- alternative questions and 到底 … 多少 ask, even without a question mark -------------


@pytest.mark.parametrize(
    ("text", "front"),
    [
        ("- 到底是先加锁还是先读状态\n", "到底是先加锁还是先读状态"),
        ("- [ ] 网卡配置 ： 到底用 tap 还是 tap0\n", "网卡配置 ： 到底用 tap 还是 tap0"),
        ("- 内核调度的基本单位是线程还是进程\n", "内核调度的基本单位是线程还是进程"),
        ("- 页表到底是硬件遍历的，还是软件遍历的\n", "页表到底是硬件遍历的，还是软件遍历的"),
        ("- 重建索引到底需要多少次磁盘读\n", "重建索引到底需要多少次磁盘读"),
        ("- 缺页之后究竟在哪个 CPU 上唤醒\n", "缺页之后究竟在哪个 CPU 上唤醒"),
    ],
)
def test_an_alternative_or_a_to_di_question_asks(text: str, front: str) -> None:
    assert fronts(text) == [("question", front)]


@pytest.mark.parametrize(
    "text",
    [
        "- 无论是读还是写，都要先拿到锁\n",  # whichever: a statement
        "- 但是这个办法还是不行\n",  # 还是 as "still"
        "- 它是一个缓存，还是个索引\n",  # …and as "also"
        "- 问题是脏页还是需要写回\n",  # 还是 before a verb: "still"
        "- 调度器会根据当前到底是活跃还是不活跃分别处理\n",  # what the handling depends on
        "- 能回收多少取决于这段内存到底用了多少\n",
        "- 在 trace 里可以看到中断是如何被注入的\n",  # what can be seen, not asked
        "- BAR 有两种布局，其中 bit0 用于指示是 mmio 还是 pio\n",  # what a bit indicates
        "- lag 决定你有没有资格被调度\n",  # what X decides
        "- 然后 CPU 发信号询问到底是谁刚刚请求过\n",  # what is asked of someone else
        "- 首先看一下到底是谁在调用\n",  # an errand
    ],
)
def test_an_alternative_inside_a_statement_asks_nothing(text: str) -> None:
    assert [kind for kind, _ in fronts(text)] != ["question"]


def test_a_definition_whose_explanation_asks_a_choice_is_the_question() -> None:
    text = "- 调度单位 ： 到底是线程还是进程\n"
    assert fronts(text) == [("question", "调度单位 ： 到底是线程还是进程")]


# --- a lead-in that says its list follows, without a colon -----------------------------


@pytest.mark.parametrize(
    ("text", "front"),
    [
        ("页面回收的步骤如下\n\n- 扫描 LRU 链表\n- 回写脏页\n", "页面回收的步骤如下"),
        ("影响吞吐的因素有很多\n\n- 缓存命中率\n- 分支预测\n", "影响吞吐的因素有很多"),
        ("The fault handler works as follows.\n\n1. find the vma\n2. map a page\n",
         "The fault handler works as follows."),
        # a count that names no number takes a list of two or more
        ("常见的调度类有以下几种\n\n- 完全公平调度\n- 实时调度\n", "常见的调度类有以下几种"),
        ("同时搜索多个关键字\n\n- 用正则的或\n- 用多个 -e 参数\n", "同时搜索多个关键字"),
    ],
)
def test_a_lead_in_that_says_its_list_follows_is_a_list_card(text: str, front: str) -> None:
    assert fronts(text) == [("list", front)]


@pytest.mark.parametrize(
    "text",
    [
        # a sentence goes on after the count
        "多个设备可以挂载到同一个目录\n\n- 后挂载的遮住先挂载的\n- 要卸载多次\n",
        "好几个问题都是无法理解的\n\n- 为何要刷新\n- 谁来释放\n",
        "处理器和设备都很多\n\n- 先看处理器\n- 再看设备\n",  # 都很多: a remark, not a lead-in
        "页面回收的步骤如下\n\n- 只有一步\n",  # "as follows" before one item
    ],
)
def test_a_count_that_names_no_number_inside_a_sentence_is_no_lead_in(text: str) -> None:
    assert [kind for kind, _ in fronts(text)] != ["list"]


# --- definitions that name their term inside the sentence ------------------------------


@pytest.mark.parametrize(
    ("text", "front"),
    [
        ("Raft 是对 Paxos 的一种改进，更容易理解。\n", "Raft"),
        ("> 最终一致性本质上是对强一致性的一种放宽\n", "最终一致性"),
        ("- g_free_rcu 是对于 call_rcu 的简单包装\n", "g_free_rcu"),
        ("写时复制，即**COW**，是一种推迟复制的技术。\n", "写时复制，即COW"),
        ("简而言之，页表是指虚拟地址到物理地址的映射表。\n", "页表"),
        ("**总之，TLB 是页表的缓存。**\n", "TLB"),
        ("In short, a TLB is a cache of the page table.\n", "TLB"),
        ("A **loss function** tells how far a prediction is from the truth.\n", "loss function"),
        ("2. The **backing store** specifies where the pages of a mapping come from\n",
         "backing store"),
        ("1. `count` indicates how many slots are in use\n", "`count`"),
        ("```\ndef f():\n```\n\n- `def ` matches the start of a function\n", "`def `"),
    ],
)
def test_a_definition_that_names_its_term_inside_the_sentence(text: str, front: str) -> None:
    assert fronts(text) == [("definition", front)]


@pytest.mark.parametrize(
    "text",
    [
        "这个结果是对的\n",  # 对 as "right"
        "写回是对脏页进行处理\n",  # 是对 X 进行: what is done, not what it is
        "- **but also** requires space in the swap area\n",  # no verb of the list after bold
        "**注意** 这个函数 holds the lock\n",
        "[the mirror](https://example.org) returns 404 today\n",  # a link is no code term
    ],
)
def test_a_sentence_that_only_looks_like_naming_a_term_is_no_definition(text: str) -> None:
    assert [kind for kind, _ in fronts(text)] != ["definition"]


# --- a quoted interrogative inside a statement asks nothing ------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "- MR 负责“这块内存能不能被访问”\n",
        "- 这篇文档讲的不是“如何建立顺序”，而是如何标注访问\n",
        "你本该去散步，却在想“为什么这个回调没触发”；\n",
        '- 注释解释"为什么"而不只是"做什么"\n',
    ],
)
def test_a_quoted_interrogative_inside_a_statement_asks_nothing(text: str) -> None:
    assert [kind for kind, _ in fronts(text)] != ["question"]


@pytest.mark.parametrize(
    ("text", "front"),
    [
        ('## 5.1 "能不能稳定复现内存序的效果"\n', '5.1 "能不能稳定复现内存序的效果"'),
        ('- "最小"的内核配置为什么还需要 tty\n', '"最小"的内核配置为什么还需要 tty'),
    ],
)
def test_a_question_that_is_all_quotation_or_only_quotes_a_word_still_asks(
    text: str, front: str
) -> None:
    assert fronts(text) == [("question", front)]


# --- an adverb before the copula is not part of the term ---------------------------------


@pytest.mark.parametrize(
    ("text", "front"),
    [
        ("> clock event 则是用来在某个时刻产生中断的设备\n", "clock event"),
        ("- VFIO 仍然是设备直通的核心框架。\n", "VFIO"),
        ("锁的设计原则是简单优先，能不加锁就不加锁\n", "锁的设计原则"),  # 原则: a noun, not 则
    ],
)
def test_then_and_still_before_a_copula_are_not_part_of_the_term(text: str, front: str) -> None:
    assert fronts(text) == [("definition", front)]


def test_otherwise_is_no_term() -> None:
    assert cards("否则是另一种情况，需要回退到慢路径\n") == []


@pytest.mark.parametrize(
    ("text", "front"),
    [
        ("- __GFP_WRITE : 只在回写路径上使用\n", "__GFP_WRITE"),
        ("- __bread_slow : 用 submit_bio 提交读请求\n", "__bread_slow"),
        ("_ 页表 _ : 虚拟地址到物理地址的映射\n", "页表"),  # stray marks still go
    ],
)
def test_an_identifiers_leading_underscores_stay_in_its_term(text: str, front: str) -> None:
    assert fronts(text) == [("definition", front)]


@pytest.mark.parametrize(
    "text",
    [
        "- 无论是否共享地址空间，进程都感知不到\n",
        "- 无论如何，问题都是可以被处理的\n",
        "- 不管怎样，先把实验做一遍\n",
    ],
)
def test_an_interrogative_that_concedes_asks_nothing(text: str) -> None:
    assert cards(text) == []


def test_a_question_after_a_concession_still_asks() -> None:
    assert fronts("- 无论如何，数据到底是怎么落盘的\n") == [
        ("question", "无论如何，数据到底是怎么落盘的")
    ]


def test_a_circumstance_is_no_term() -> None:
    assert cards("默认情况下就是主线程和 vCPU 线程相互交互。\n") == []
    assert cards("在这种条件下：只能退回慢路径\n") == []


def test_a_lead_in_that_ends_in_a_summing_up_connective_is_no_list_card() -> None:
    text = "文档写得有点绕，简单来说：\n\n1. next 移动指针\n2. show 输出内容\n"
    assert [kind for kind, _ in fronts(text)] != ["list"]


@pytest.mark.parametrize(
    ("text", "front"),
    [
        ("> @question 所以符号到底是怎么解析的\n", "所以符号到底是怎么解析的"),
        ("> @question 是不是说: timeval 是低精度的接口，还是用户态的接口\n",
         "是不是说: timeval 是低精度的接口，还是用户态的接口"),
    ],
)
def test_a_question_marked_as_such_is_asked_without_its_marker(text: str, front: str) -> None:
    assert fronts(text) == [("question", front)]


@pytest.mark.parametrize(
    ("text", "front"),
    [
        ("RMAP_RECYCLE_THRESHOLD 居然是 1000 个条目\n", "RMAP_RECYCLE_THRESHOLD"),
        ("- [ ] vxlan 竟然是一种隧道协议\n", "vxlan"),
    ],
)
def test_surprise_before_a_copula_is_not_part_of_the_term(text: str, front: str) -> None:
    assert fronts(text) == [("definition", front)]


def test_what_was_once_thought_is_no_term() -> None:
    assert cards("以前是直接映射所有内核空间，后来改成按需映射\n") == []
    assert cards("3. 以前认为缺页出现的位置是读磁盘，其实只是页表项缺失\n") == []


@pytest.mark.parametrize(
    "text",
    [
        "*图 2：关于内存一致性模型的一些误解。*\n",
        "*Figure 3.1: Programmer's view of sequential consistency.*\n",
        "表 1：各架构的内存序\n",
        "- ...and more: FPUs, debug registers, hardware workarounds\n",
    ],
)
def test_a_caption_or_the_rest_of_a_sentence_is_no_term(text: str) -> None:
    assert cards(text) == []


@pytest.mark.parametrize(
    ("text", "front"),
    [
        ("# Rust ownership\n\nOwnership is the set of rules that governs memory.\n",
         "Rust ownership"),
        ("## 带来的问题与限制\n\n**限制**：需要特定的内核\n", "带来的问题与限制"),
    ],
)
def test_an_attribute_its_heading_already_names_takes_the_heading_alone(
    text: str, front: str
) -> None:
    assert fronts(text) == [("definition", front)]
