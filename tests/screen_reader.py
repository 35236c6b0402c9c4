# Files a repair through the kiosk's accessibility tree only, as a screen reader user
# would (AT-SPI, the Linux accessibility bus): every control found by what it is called,
# pressed by its action, and the ticket number read back. Run by tests/screen_reader.rs
# with Debian's /usr/bin/python3 (python3-pyatspi).
import sys
import time

import pyatspi

APP = "lobbydesk"


def app():
    desk = pyatspi.Registry.getDesktop(0)
    for a in desk:
        if a is not None and a.name == APP:
            return a
    return None


def nodes(node):
    try:
        count = node.childCount
    except Exception:
        return
    yield node
    for i in range(count):
        child = node.getChildAtIndex(i)
        if child is not None:
            yield from nodes(child)


def find(name, actionable, within=10.0):
    deadline = time.time() + within
    while time.time() < deadline:
        root = app()
        if root is not None:
            for n in nodes(root):
                try:
                    if n.name != name:
                        continue
                    if actionable:
                        n.queryAction()
                    return n
                except NotImplementedError:
                    continue
                except Exception:
                    continue
        time.sleep(0.2)
    names = sorted({n.name for n in nodes(app())}) if app() is not None else []
    sys.exit("nothing called %r on screen; there is: %s" % (name, names))


def press(name):
    node = find(name, True)
    action = node.queryAction()
    action.doAction(0)
    time.sleep(0.3)


def press_starting(prefix, within=10.0):
    deadline = time.time() + within
    while time.time() < deadline:
        root = app()
        if root is not None:
            for n in nodes(root):
                try:
                    if (n.name or "").startswith(prefix):
                        n.queryAction().doAction(0)
                        time.sleep(0.3)
                        return
                except Exception:
                    continue
        time.sleep(0.2)
    sys.exit("nothing to press starts with %r" % prefix)


def read_starting(prefix, within=10.0):
    deadline = time.time() + within
    while time.time() < deadline:
        root = app()
        if root is not None:
            for n in nodes(root):
                if (n.name or "").startswith(prefix):
                    return n.name
        time.sleep(0.2)
    names = sorted({n.name for n in nodes(app())}) if app() is not None else []
    sys.exit("nothing read out starts with %r; there is: %s" % (prefix, names))


for step in ["报修", "给排水", "楼栋", "3", "房号", "1", "2", "0", "1", "下一步", "漏水", "下一步"]:
    press(step)
for digit in "13800138000":
    press(digit)
for step in ["下一步", "尽快", "提交"]:
    press(step)
print(read_starting("受理单号 "))
print(read_starting("打印状态 "))

# The front desk, by the same means: sign in, find the case, reply with a quick phrase
# on the reply form, and hear the reply in the case's history.
press("完成")
press("工作人员")
for digit in "246810":
    press(digit)
for step in ["登录", "查找"]:
    press(step)
press_starting("K01-00001 ")
for step in ["答复住户", "已收到，正在安排处理", "保存"]:
    press(step)
# Back on the case page once recorded (the history itself is read from the store).
print(read_starting("K01-00001  "))
